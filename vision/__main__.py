"""``python -m vision`` and the ``calfcheck`` command.

``run`` imports the CLI inside its own guard: a Ctrl-C during the first half second (while numpy,
PyAV and MediaPipe load) still ends with one line and exit 130, never a traceback.
"""

import atexit
import os
import sys


def run() -> None:
    try:
        from vision.cli import main

        code = main()
    except KeyboardInterrupt:
        print("calfcheck: interrupted", file=sys.stderr)
        code = 130
    if code == 130:
        # A Ctrl-C that interrupted an extension module while it loaded marks the interpreter for good, and
        # its shutdown then ends the process as killed by SIGINT (exit -2), whatever was caught since. The
        # contract is 130: clean up as a normal exit does (atexit: multiprocessing's queues and semaphores),
        # then leave with it.
        sys.stdout.flush()
        sys.stderr.flush()
        atexit._run_exitfuncs()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
