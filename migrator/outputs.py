"""Files migrator writes for people (failures, warnings, previews, scaffolds).

Never through a symbolic link: a report path that is a link (planted, or left from an
old setup) would make a run write wherever it points. And a file someone may have edited
(a scaffolded mapping) is not overwritten unless they say so.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import BinaryIO

from migrator.errors import ConfigError


def check_output(path: Path, *, replace: bool = True, force_hint: str = "--force") -> None:
    """Refuse ``path`` as ``open_output`` would, before anything is written."""
    if path.is_symlink():
        raise ConfigError(
            f"{path} is a symbolic link: migrator does not write its files through links; "
            "remove it or choose another path"
        )
    if not replace and path.exists():
        raise ConfigError(f"{path} already exists: {force_hint} overwrites it")


def open_output(path: Path, *, replace: bool = True, force_hint: str = "--force") -> BinaryIO:
    """``path`` opened to write, its folder made. ``replace=False``: an existing file is
    refused (``force_hint`` says how to allow it)."""
    check_output(path, replace=replace, force_hint=force_hint)
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        raise ConfigError(f"{path} already exists: {force_hint} overwrites it") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # made a link since the check above
            raise ConfigError(f"{path} is a symbolic link: not written through it") from None
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
    return os.fdopen(fd, "wb")
