"""Entry point for the `citynet` script and `python -m citynet`."""

from __future__ import annotations

import os
import sys


def main() -> None:
    _tolerant_streams()
    try:
        from .cli import app, build_only_the_invoked_command

        build_only_the_invoked_command(sys.argv[1:])
        try:
            app(prog_name="citynet")
        finally:
            sys.stdout.flush()  # here, where a closed pipe can still be caught
    except BrokenPipeError:
        # The reader went away (`citynet list | head -1`): stop quietly.
        silence_stdout()
        sys.exit(0)
    except KeyboardInterrupt:
        from .i18n import _

        sys.stderr.write("citynet: " + _("interrupted") + "\n")
        sys.exit(130)


def silence_stdout() -> None:
    """Point stdout at devnull, so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _tolerant_streams() -> None:
    """Write what the terminal's encoding cannot show as escapes (ö → \\xf6), not crash.

    PYTHONIOENCODING=ascii, or a C locale, makes stdout ASCII-only.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


if __name__ == "__main__":
    main()
