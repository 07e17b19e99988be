"""Ctrl-C that works even when the crawler's main thread is stuck.

Python runs a signal handler only when the main thread comes back to the interpreter: a C call
that never returns (a regex backtracking catastrophically, a parser caught on a pathological
input) makes Scrapy's Ctrl-C handling, and the in-process 15 s last resort (a thread, which
needs the GIL the stuck thread holds), deaf. So the crawl command starts this small watchdog
process beside the crawler:

- the crawler registers faulthandler (C code, no GIL needed) on SIGINT and SIGTERM, chained to
  Python's own handler: each signal writes the main thread's stack to a pipe the watchdog
  reads, the moment it arrives;
- the crawler's reactor writes a heartbeat to a second pipe every second: a heartbeat after a
  signal means the main thread ran Python again, so Scrapy's handler has run;
- a signal with no heartbeat for BUSY_AFTER_S seconds after it: the main thread is stuck. The
  watchdog prints where (the stack faulthandler wrote) and kills the crawler (SIGKILL); its
  helpers follow it (the writer finishes its transaction and closes the WARC file on the end of
  its task pipe; the extraction workers die with their parent);
- a second signal: whatever the crawler does, it is killed if still there FORCED_AFTER_S later.

The watchdog ignores SIGINT and SIGTERM itself (a terminal's Ctrl-C reaches the whole process
group) and ends when the crawler does (end of file on the heartbeat pipe). Only the standard
library is imported here: it starts in milliseconds.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)
HEADER = b"(most recent call first)"  # faulthandler writes one per dump, so one per signal
BUSY_AFTER_S = 10.0  # a first signal not answered by the reactor in this long: stuck
HEARTBEAT_S = 1.0


class Watchdog:
    """The crawler's side: the watchdog process, the signal pipe and the heartbeat."""

    def __init__(self, *, busy_after: float, forced_after: float) -> None:
        signal_read, self._signal_write = os.pipe()
        beat_read, self._beat_write = os.pipe()
        # never block in a signal handler or the reactor, whatever happens to the watchdog
        os.set_blocking(self._signal_write, False)
        os.set_blocking(self._beat_write, False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler.watchdog", str(os.getpid()), str(signal_read),
             str(beat_read), str(busy_after), str(forced_after)],
            pass_fds=(signal_read, beat_read),
        )  # fmt: skip
        os.close(signal_read)
        os.close(beat_read)
        # a signal ignored when the crawl started (a background job of a script, nohup) stays
        # ignored: the watchdog must not turn it into a kill
        self.signals = tuple(s for s in SIGNALS if signal.getsignal(s) != signal.SIG_IGN)
        self.arm()

    def arm(self) -> None:
        """(Re)install faulthandler on the signals: installing a Python handler (Scrapy does on
        each Ctrl-C) replaces it at the C level, so the heartbeat re-arms it."""
        for signum in self.signals:
            faulthandler.unregister(signum)
            faulthandler.register(signum, file=self._signal_write, all_threads=False, chain=True)

    def beat(self) -> None:
        # full (the watchdog is slow) or gone: nothing to do about it here
        with contextlib.suppress(OSError):
            os.write(self._beat_write, b".")
        self.arm()


# called after helpers_born_deaf puts the crawler's own SIGINT handler back (the watchdog re-arms)
AFTER_HANDLER_RESTORED: list[Callable[[], None]] = []


@contextlib.contextmanager
def helpers_born_deaf() -> Iterator[None]:
    """Start helper processes in this block: they are born ignoring SIGINT (a disposition that
    survives fork and exec), so a Ctrl-C while one is still importing its modules, before it
    could ignore SIGINT itself, does not kill it. Only the main thread can change handlers:
    elsewhere (a pool's thread starting a replacement worker) the block does nothing. A Ctrl-C
    in the block's few milliseconds is not seen by the crawler (press it again)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
        for callback in AFTER_HANDLER_RESTORED:
            callback()


def watch(pid: int, signal_fd: int, beat_fd: int, busy_after: float, forced_after: float) -> int:
    for signum in SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    dumps = b""
    received: list[float] = []  # when each signal came
    last_beat = time.monotonic()
    while True:
        ready, _, _ = select.select([signal_fd, beat_fd], [], [], 0.2)
        now = time.monotonic()
        for fd in ready:
            data = os.read(fd, 65536)
            if fd == beat_fd:
                if not data:
                    return 0  # the crawler is gone
                last_beat = now
            else:
                dumps += data
                received += [now] * (dumps.count(HEADER) - len(received))
        if not received:
            continue
        if last_beat < received[0] and now - received[0] >= busy_after:
            why = f"did not answer Ctrl-C / SIGTERM in {busy_after:g} s (its main thread is stuck)"
        elif len(received) >= 2 and now - received[1] >= forced_after:
            why = f"still running {forced_after:g} s after a second signal"
        else:
            continue
        last = dumps[dumps.rfind(b"Stack ") :].decode("utf-8", "replace").rstrip()
        print(
            f"scrapy crawl: the crawler {why}: killing it; its main thread was at:\n{last}",
            file=sys.stderr,
            flush=True,
        )
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        return 0


if __name__ == "__main__":
    pid, signal_fd, beat_fd = (int(a) for a in sys.argv[1:4])
    sys.exit(watch(pid, signal_fd, beat_fd, float(sys.argv[4]), float(sys.argv[5])))
