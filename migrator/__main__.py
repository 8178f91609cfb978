"""``migrator`` starts here (``python -m migrator`` and the installed command).

Signals are taken over before anything else is imported: importing the command line
takes a second or more on a busy machine, and a Ctrl-C in it must end with exit 130, not
a traceback. Until the command line is ready nothing is open, so leaving at once is safe.
"""

# The C module: ``signal`` builds its enums first, which costs a busy machine 10 ms or more.
import _signal
import atexit  # built in: nothing to load; imported here, not in a signal's way at exit
import os
import sys


def _interrupted_early(signum: int, frame: object) -> None:
    os.write(2, b"Interrupted.\n")
    os._exit(130)


_signal.signal(_signal.SIGINT, _interrupted_early)
_signal.signal(_signal.SIGTERM, _interrupted_early)


def main() -> None:
    from migrator.cli import main as command_line  # it takes the signals over (interrupts.py)

    try:
        command_line()
    except SystemExit as exc:
        _leave(exc)
        raise
    _leave(SystemExit(0))


def _leave(exc: SystemExit) -> None:
    """Exit now, skipping the interpreter's teardown: freeing every module and object of
    a run took 0.1-0.5 s after its work was done (a tenth of a 1,000-record run at
    --rate 200). Only once the command is over and no other thread runs; the exit
    handlers still run (logging's flush among them), and the output is flushed first.
    Anything else (an exception on its way to a traceback) ends the usual way."""
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return  # a thread still running: Python waits for it
    code = exc.code
    if code is not None and not isinstance(code, int):
        return  # a message to print: the usual way
    # The command is over: a signal now ends the process as one during start-up does.
    _signal.signal(_signal.SIGINT, _interrupted_early)
    _signal.signal(_signal.SIGTERM, _interrupted_early)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # a closed pipe: let Python say so as it always does
    os._exit(code or 0)


if __name__ == "__main__":
    main()
