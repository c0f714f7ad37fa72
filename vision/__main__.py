"""``python -m vision`` and the ``calfcheck`` command.

``run`` imports the CLI inside its own guard: a Ctrl-C during the first half second (while numpy,
PyAV and MediaPipe load) still ends with one line and exit 130, never a traceback. Nothing but built-in
modules is imported before that guard (``ctypes`` and ``threading`` load Python code, which a Ctrl-C can
interrupt: it once did, in ``ctypes``, with a traceback and exit -2).
"""

import _thread
import sys


def redeliver_swallowed_interrupts() -> None:
    """A Ctrl-C that lands while Python runs a callback it may not raise from (the weak-reference callback of
    an import's module lock, a ``__del__``) is printed as "Exception ignored" and dropped, and the command would
    run on to the end. Deliver it again, to the main thread, where the normal handling sees it: from another
    thread a moment later, because raised here it would be swallowed again, as the hook's own."""
    import threading

    previous = sys.unraisablehook

    def hook(unraisable) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            later = threading.Timer(0.02, _thread.interrupt_main)
            later.daemon = True
            later.start()
            return
        previous(unraisable)

    sys.unraisablehook = hook


def run() -> None:
    try:
        redeliver_swallowed_interrupts()
        from vision.cli import main

        code = main()
    except KeyboardInterrupt:
        print("calfcheck: interrupted", file=sys.stderr)
        code = 130
    if code == 130:
        forget_unhandled_interrupt()
    sys.exit(code)


def forget_unhandled_interrupt() -> None:
    """A Ctrl-C that interrupted Python code an extension module ran while it loaded (``PyRun_String``) leaves
    CPython's "unhandled KeyboardInterrupt" mark set, whatever caught it since, and the interpreter's
    shutdown then kills the process with SIGINT (exit -2) instead of the 130 calfcheck promises. Running any
    code through that same entry point clears the mark; the shutdown that follows is the normal one (threads
    joined, multiprocessing's semaphores unlinked and unregistered, never cut off halfway)."""
    import ctypes

    ctypes.pythonapi.PyRun_SimpleString(b"pass")


if __name__ == "__main__":
    run()
