"""Ctrl-C and SIGTERM, heard in one place for the whole process.

Python's own handling loses some: a KeyboardInterrupt raised while a module imports ends
in a traceback, and asyncio's runner turns the first Ctrl-C into a cancellation that a
finishing task may swallow (the run then exits 0 as if nothing was pressed). Here every
signal is recorded the moment it arrives:

- until the command starts (``ready``: the command line is still importing), it exits
  at once: nothing is open yet;
- while a run sends (``stopping``), the first one stops it gracefully: no new request,
  the ledger keeps what was accepted, the summary is printed, exit 130;
- anywhere else it raises KeyboardInterrupt, which the command line turns into exit 130
  (also when it reaches it wrapped in another exception); inside an import, once the
  import is over;
- a second one stops the process at once. That is safe: the ledger marks a create
  "in flight" before sending it, so the next run settles it instead of sending it twice.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_CODE = 130
Stopper = Callable[[str], None]


class Interrupts:
    def __init__(self) -> None:
        self.received: str | None = None  # "SIGINT", "SIGTERM": the first one heard
        self._stopper: Stopper | None = None
        self._installed = False
        self._ready = True

    def install(self) -> None:
        """From now on this process's signals come here (the command line, at start);
        they exit at once until ``ready``."""
        for signum in SIGNALS:
            signal.signal(signum, self._heard)
        self._installed = True
        self._ready = False

    def ready(self) -> None:
        """The command begins: from now on a signal stops it the gentle way."""
        self._ready = True

    def _heard(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if not self._ready:
            os.write(2, b"Interrupted.\n")
            os._exit(EXIT_CODE)
        if self.received is not None:
            os.write(2, b"\nInterrupted again: stopping now.\n")
            os._exit(EXIT_CODE)
        self.received = name
        self._interrupt(frame)

    def _interrupt(self, frame: FrameType | None) -> None:
        """Stop the run gently, or raise KeyboardInterrupt, but never inside an import:
        raised there it ends in "Exception ignored ... Traceback" (in a module lock's
        callback) or a half-imported module. There it is tried again 5 ms later."""
        if self._stopper is not None:
            self._stopper(self.received or "SIGINT")
            return
        if _importing(frame):
            signal.signal(signal.SIGALRM, lambda _signum, later: self._interrupt(later))
            signal.setitimer(signal.ITIMER_REAL, _RETRY_AFTER)
            return
        raise KeyboardInterrupt

    @contextmanager
    def stopping(self, stop: Stopper) -> Iterator[None]:
        """While inside, a signal calls ``stop`` (from a signal handler: it must only set a
        flag and schedule the rest) instead of raising. Outside the command line (the
        Python API) the handlers are put in place for this while and restored after."""
        previous = self._stopper
        # Only the main thread may set handlers; elsewhere the caller's own stay.
        own = not self._installed and threading.current_thread() is threading.main_thread()
        restore = [(s, signal.getsignal(s)) for s in SIGNALS] if own else []
        if restore:
            for signum in SIGNALS:
                signal.signal(signum, self._heard)
        self._stopper = stop
        try:
            yield
        finally:
            self._stopper = previous
            for signum, handler in restore:
                signal.signal(signum, handler)
            if restore:
                self.received = None  # a library caller may run again


_RETRY_AFTER = 0.005  # seconds: an import interrupted is tried again this much later


def _importing(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside the import system (a module's body, a lock's
    callback): a frame of importlib's bootstrap is on its stack."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


INTERRUPTS = Interrupts()
