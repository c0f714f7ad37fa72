"""``python -m vision`` and the ``calfcheck`` command.

``run`` imports the CLI inside its own guard: a Ctrl-C during the first half second (while numpy,
PyAV and MediaPipe load) still ends with one line and exit 130, never a traceback.
"""

import sys


def run() -> None:
    try:
        from vision.cli import main

        code = main()
    except KeyboardInterrupt:
        print("calfcheck: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    run()
