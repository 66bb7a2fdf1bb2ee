"""The import paths that moved in 0.2.0 (one folder per pipeline stage), kept working until 0.3.0.

Each old module is a three-line file whose attributes forward to the new module, with a
DeprecationWarning naming the new path. docs/plugins.md lists them.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any, Callable

#: The release that removes the old paths.
REMOVED_IN = "0.3.0"


def forward(old: str, new: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for the old module `old` that reads every name from `new`."""

    def __getattr__(name: str) -> Any:
        module = importlib.import_module(new)
        if name.startswith("__"):
            raise AttributeError(name)
        warnings.warn(f"{old} is deprecated: import from {new} (the old path goes in {REMOVED_IN})",
                      DeprecationWarning, stacklevel=2)
        return getattr(module, name)

    return __getattr__
