# SPDX-License-Identifier: GPL-2.0
"""py-convoy: bpo-7946's threaded echo server beside CPU-bound threads.

With --fd, a thread answers each one-byte ping on that socket (a socket
the bench shares with its measuring peer, a separate process that does
not use kgil) until the peer says "q"; --cpu K threads count meanwhile
and stop when it is done.  Without --fd the K threads count for
--seconds alone.  socket.recv and sendall release the GIL around the
system call (Py_BEGIN_ALLOW_THREADS): each answer needs the GIL back,
which is the convoy.  Prints "key value" lines:

    cpu_iters N   loop iterations the CPU threads ran in total
    cpu_s     S   how long they ran
    rounds    R   pings answered
"""
import argparse
import socket
import threading
import time

CHUNK = 2000


class Counter:
    def __init__(self):
        self.stop = False
        self.iters = []

    def run(self):
        done = 0
        while not self.stop:
            n = CHUNK
            while n > 0:
                n -= 1
            done += CHUNK
        self.iters.append(done)


def echo(sock, out):
    rounds = 0
    while True:
        c = sock.recv(1)
        if c != b"p":
            break
        sock.sendall(c)
        rounds += 1
    out.append(rounds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fd", type=int, default=-1)
    ap.add_argument("--cpu", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=1.0)
    a = ap.parse_args()
    counter = Counter()
    cpu = [threading.Thread(target=counter.run) for _ in range(a.cpu)]
    t0 = time.perf_counter()
    for t in cpu:
        t.start()
    rounds = []
    if a.fd >= 0:
        # detach(): the bench's own copy of the socket reads the peer's
        # report after we are gone; closing ours changes nothing there.
        sock = socket.socket(fileno=a.fd)
        echo(sock, rounds)
        sock.detach()
    else:
        time.sleep(a.seconds)
    counter.stop = True
    for t in cpu:
        t.join()
    print("cpu_iters", sum(counter.iters), flush=True)
    print("cpu_s", time.perf_counter() - t0, flush=True)
    print("rounds", rounds[0] if rounds else 0, flush=True)


if __name__ == "__main__":
    main()
