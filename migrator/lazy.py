"""Package fronts whose names are imported on first use (PEP 562).

Importing any module of a package runs its front first: ``migrator run --help`` imports
``migrator.site.command``, and an eager ``migrator/site/__init__.py`` would load the
engine, aiohttp and lxml just to print options. A lazy front loads a name's module when
the name is first asked for (``from migrator.site import Butter``); type checkers read the
same names from the front's ``if TYPE_CHECKING:`` imports.
"""

from __future__ import annotations

import importlib
import sys

# Not ``typing``: this module is imported before the command line can take over Ctrl-C.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def lazy_front(
    package: str, exports: dict[str, list[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for the front of ``package``, whose public names
    are ``exports``: module → the names it defines."""
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # once imported, a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__
