"""onefold: an open-source Customer Data Platform.

Collect every touchpoint, resolve identities into golden records, value customers net of returns
and costs, and act on it. See README.md for the tour.
"""

from onefold.errors import OnefoldError

__version__ = "0.1.0"

__all__ = ["OnefoldError", "__version__"]
