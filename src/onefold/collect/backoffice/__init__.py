"""Back-office data in, validated: streaming import with quarantine, retry, quality and build staging."""

from onefold.collect.backoffice.importer import ImportResult, import_file

__all__ = ["ImportResult", "import_file"]
