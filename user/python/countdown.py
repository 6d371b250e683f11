# SPDX-License-Identifier: GPL-2.0
"""py-cpu: Beazley's countdown ("Understanding the Python GIL", 2010).

The same count(n) run sequentially, in N threads and (--processes) in N
forked processes, each with its own interpreter and so its own GIL.  It
prints "key value" lines for `kgil bench py-cpu`:

    count C       the per-thread count of a whole phase, calibrated with
                  --seconds (or given with --count)
    seq_s  X      N x count(C) in a row
    thr_s  Y      N threads, count(C) each
    proc_s Z      N processes, count(C) each (--processes)

The sequential and threaded phases are cut into --rounds slices of
count(C / rounds), taking turns in a rotating order: this machine's speed
drifts by up to 2x over seconds (a plain C loop too: shared hosts, and
TCG in the VM), and phases run one after the other would measure the
drift.  The processes run whole, once, midway.
"""
import argparse
import os
import threading
import time


def count(n):
    while n > 0:
        n -= 1


def calibrate(seconds, nthreads):
    """The count that makes the sequential run last about `seconds`."""
    n = 20000
    while True:
        t0 = time.perf_counter()
        in_thread(count, n)
        dt = time.perf_counter() - t0
        if dt > 0.05:
            break
        n *= 4
    return max(1000, int(n * seconds / dt / nthreads))


def in_thread(fn, *args):
    """Run fn in one new thread and wait: CPython runs the same loop
    measurably slower in the main thread than in any other (0.29 s
    against 0.20 s here), so every phase counts in threads it started."""
    t = threading.Thread(target=fn, args=args)
    t.start()
    t.join()


def count_n_times(n, c):
    for _ in range(n):
        count(c)


def sequential(n, c):
    t0 = time.perf_counter()
    in_thread(count_n_times, n, c)
    return time.perf_counter() - t0


def threaded(n, c):
    threads = [threading.Thread(target=count, args=(c,)) for _ in range(n)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def processes(n, c):
    t0 = time.perf_counter()
    pids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            in_thread(count, c)
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit("countdown: a child process failed")
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--processes", action="store_true")
    a = ap.parse_args()
    rounds = max(1, a.rounds)
    c = a.count or calibrate(a.seconds, a.threads)
    print("count", c, flush=True)
    phases = [("seq_s", sequential), ("thr_s", threaded)]
    total = {key: 0.0 for key, _ in phases}
    for r in range(rounds):
        if a.processes and r == rounds // 2:
            # Whole, once, midway: a fork and an exit a slice would cost
            # far more than the slice's work under TCG.
            total["proc_s"] = processes(a.threads, c)
        for i in range(len(phases)):
            key, run = phases[(r + i) % len(phases)]
            total[key] += run(a.threads, c // rounds)
    for key in total:
        print(key, total[key], flush=True)


if __name__ == "__main__":
    main()
