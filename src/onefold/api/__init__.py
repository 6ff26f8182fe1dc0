"""onefold.api: the HTTP shell (FastAPI) around the library."""

from onefold.api.app import create_app

__all__ = ["create_app"]
