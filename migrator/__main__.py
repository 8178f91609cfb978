"""``migrator`` starts here (``python -m migrator`` and the installed command).

Signals are taken over before anything else is imported: importing the command line
takes a second or more on a busy machine, and a Ctrl-C in it must end with exit 130, not
a traceback. Until the command line is ready nothing is open, so leaving at once is safe.
"""

# The C module: ``signal`` builds its enums first, which costs a busy machine 10 ms or more.
import _signal
import os


def _interrupted_early(signum: int, frame: object) -> None:
    os.write(2, b"Interrupted.\n")
    os._exit(130)


_signal.signal(_signal.SIGINT, _interrupted_early)
_signal.signal(_signal.SIGTERM, _interrupted_early)


def main() -> None:
    from migrator.cli import main as command_line  # it takes the signals over (interrupts.py)

    command_line()


if __name__ == "__main__":
    main()
