# Which GIL releases kgil counts as I/O (tests/python/smoke.sh, issue 25):
# run with one phase and a count; smoke.sh compares the domain's io_begins
# (KGIL_PY_STATS) with those of the "base" phase, which imports and starts
# the same things and does nothing.  Under the default KGIL_PY_IO=fd only
# waits on a file descriptor may count: a lock wait, an Event, a
# SimpleQueue, time.sleep must not; recv, a pipe read, select must.
import os
import queue
import select
import socket
import sys
import threading
import time

phase, n = sys.argv[1], int(sys.argv[2])


def pingpong(wait_a, wake_b, wait_b, wake_a):
    # Two threads hand a token back and forth n times: each side waits.
    def other():
        for _ in range(n):
            wait_b()
            wake_a()
    t = threading.Thread(target=other)
    t.start()
    for _ in range(n):
        wake_b()
        wait_a()
    t.join()


def run():
    if phase == "base":
        threading.Thread(target=lambda: None).start()
    elif phase == "lock":
        a, b = threading.Lock(), threading.Lock()
        a.acquire()
        b.acquire()
        pingpong(a.acquire, b.release, b.acquire, a.release)
    elif phase == "event":
        a, b = threading.Event(), threading.Event()
        def wait(e):
            e.wait()
            e.clear()
        pingpong(lambda: wait(a), b.set, lambda: wait(b), a.set)
    elif phase == "queue":
        a, b = queue.SimpleQueue(), queue.SimpleQueue()
        pingpong(a.get, lambda: b.put(1), b.get, lambda: a.put(1))
    elif phase == "sleep":
        threading.Thread(target=lambda: None).start()
        for _ in range(n):
            time.sleep(0.0002)
    elif phase == "recv":
        x, y = socket.socketpair()
        pingpong(lambda: x.recv(1), lambda: x.sendall(b"p"),
                 lambda: y.recv(1), lambda: y.sendall(b"q"))
    elif phase == "pipe":
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        pingpong(lambda: os.read(r1, 1), lambda: os.write(w2, b"p"),
                 lambda: os.read(r2, 1), lambda: os.write(w1, b"q"))
    elif phase == "select":
        r, w = os.pipe()
        os.write(w, b"x")
        threading.Thread(target=lambda: None).start()
        for _ in range(n):
            select.select([r], [], [], 1)
    else:
        sys.exit("io_kinds: unknown phase %s" % phase)


run()
