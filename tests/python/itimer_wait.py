"""A thread waiting for the GIL under a periodic signal (issue 25).

A profiler's interval timer (signal.setitimer with a Python handler)
interrupts the main thread's wait for the GIL every millisecond while a
second thread spins.  Stock CPython keeps the wait's deadline across the
signals and asks the spinner to drop after a switch interval; so must
every kgil backend (the kernel's -EINTR retries resume the same wait).
Before the fix, under the kernel backend (newgil, fifo, ioprio) the main
thread was starved: this script did not finish in 60 s.

Prints one JSON line; exit status 0 when the main thread made its
progress in time.  A C-level watchdog (faulthandler, no GIL needed) ends a
starved run.
"""
import faulthandler
import json
import os
import signal
import sys
import threading
import time

# Seconds: stock takes about 0.6 under TCG.  Under legacy (Python 2's
# GIL, no deadline at all) the main thread fights the spinner at every
# check interval, signals or not: Beazley's convoy, which is legacy's
# point; it only has to finish.
LEGACY = "legacy" in (os.environ.get("KGIL_POLICY", "") +
                      os.environ.get("KGIL_BACKEND", ""))
LIMIT = 60.0 if LEGACY else 20.0
faulthandler.dump_traceback_later(LIMIT + 10, exit=True)

handled = 0


def on_alarm(sig, frame):
    global handled
    handled += 1


stop = False


def spin():
    while not stop:
        pass


signal.signal(signal.SIGALRM, on_alarm)
sys.setswitchinterval(0.005)
spinner = threading.Thread(target=spin)
spinner.start()
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
start = time.monotonic()
rounds = 0
# Each round gives the GIL up (sleep(0)) and must get it back beside the
# spinner: a wait of about one switch interval each on stock.
while rounds < 40 and time.monotonic() - start < LIMIT:
    time.sleep(0)
    rounds += 1
elapsed = time.monotonic() - start
signal.setitimer(signal.ITIMER_REAL, 0, 0)
stop = True
spinner.join()
ok = rounds == 40 and handled > 0
print(json.dumps({"rounds": rounds, "elapsed_s": round(elapsed, 3),
                  "handled": handled, "ok": ok}))
sys.exit(0 if ok else 1)
