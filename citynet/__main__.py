"""Entry point for the `citynet` script and `python -m citynet`."""

from __future__ import annotations

import os
import sys


def main() -> None:
    try:
        from .cli import app, build_only_the_invoked_command

        build_only_the_invoked_command(sys.argv[1:])
        app(prog_name="citynet")
    except BrokenPipeError:
        # The reader went away (`citynet list | head -1`): stop quietly.
        # Point stdout at devnull so the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        from .i18n import _

        sys.stderr.write("citynet: " + _("interrupted") + "\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
