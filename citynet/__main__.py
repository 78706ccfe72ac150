"""Entry point for the `citynet` script and `python -m citynet`."""

from __future__ import annotations

import gc
import sys


def main() -> None:
    _tolerant_streams()
    # The imports make tens of thousands of objects that live as long as the process:
    # collecting while they are made, and walking them in every full collection after,
    # cost a tenth of a warm command. So no collection during the imports, and what
    # they made is set aside (frozen) before collecting resumes.
    gc.disable()
    try:
        from .cli import app

        gc.freeze()
        gc.enable()

        try:
            app(prog_name="citynet")
        finally:
            sys.stdout.flush()  # here, where a closed pipe can still be caught
            # The last collection at exit would walk every object the command made
            # (a million after a cold read of the real size) only to free them
            # with the process: set aside, they are not walked.
            gc.freeze()
    except BrokenPipeError:
        # The reader went away (`citynet list | head -1`): stop quietly.
        from .cli.app import silence_stdout

        silence_stdout()
        sys.exit(0)
    except KeyboardInterrupt:
        from .i18n import _

        sys.stderr.write("citynet: " + _("interrupted") + "\n")
        sys.exit(130)


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
