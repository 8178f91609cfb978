"""The rich consoles people read: as wide as the terminal on a terminal; when piped (a file,
``less``, a CI log), as wide as what they print, so a name or a path is never cut or broken.

rich makes a console that is not a terminal 80 columns wide: table cells are cut
(``wordp…``) and long lines broken mid-path. A piped console here has a width no table
reaches and does not wrap text; a rule, which would fill that width, is drawn
``RULE_WIDTH`` wide (or as wide as its title).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rich is imported only when something prints
    from rich.console import Console

PIPED_WIDTH = 10_000
RULE_WIDTH = 80


def make_console(*, stderr: bool = False, **options: Any) -> Console:
    """A console on stdout (or stderr) that never cuts a name when it is not a terminal."""
    from rich.console import Console

    made = Console(stderr=stderr, **options)
    if made.is_terminal or "width" in options:
        return made
    options.setdefault("soft_wrap", True)
    return Console(stderr=stderr, width=PIPED_WIDTH, **options)


def rule(out: Console, title: str) -> None:
    """``console.rule(title)``; when piped ``RULE_WIDTH`` wide, or the title's width."""
    from rich.cells import cell_len
    from rich.rule import Rule

    width = None if out.is_terminal else max(RULE_WIDTH, cell_len(title) + 6)
    out.print(Rule(title), width=width)
