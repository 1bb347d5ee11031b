"""commune-auditor: level-2 security audit of a Vietnamese commune's IT assets."""

from typing import Any


def __getattr__(name: str) -> Any:
    """`__version__`, looked up when first asked for: importlib.metadata costs every command
    a few tens of milliseconds at start, before the audit's collector can begin."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("commune-auditor")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0+source"
    globals()["__version__"] = found
    return found
