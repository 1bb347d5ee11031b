"""commune-auditor: level-2 security audit of a Vietnamese commune's IT assets."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("commune-auditor")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
