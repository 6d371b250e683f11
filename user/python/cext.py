# SPDX-License-Identifier: GPL-2.0
"""py-cext: two threads calling a C function that releases the GIL.

hashlib releases the GIL while it hashes a buffer of 2 KiB or more
(HASHLIB_GIL_MINSIZE), so two threads hashing large buffers run in
parallel, and small ones do not: the speedup curve of Beazley's slide
104.  For each --sizes entry the same number of sha256 calls (--bytes of
input in all) is made by one thread, then split over two.  Prints, per
size, "seq_s SIZE X" and "thr_s SIZE Y".
"""
import argparse
import hashlib
import threading
import time


def hash_many(buf, calls):
    for _ in range(calls):
        hashlib.sha256(buf).digest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="256,1024,4096,16384,65536,262144")
    ap.add_argument("--bytes", type=int, default=16 << 20)
    a = ap.parse_args()
    for size in (int(s) for s in a.sizes.split(",")):
        buf = bytes(size)
        calls = max(2, a.bytes // size // 2 * 2)
        t0 = time.perf_counter()
        hash_many(buf, calls)
        seq = time.perf_counter() - t0
        threads = [threading.Thread(target=hash_many, args=(buf, calls // 2))
                   for _ in range(2)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        thr = time.perf_counter() - t0
        print("seq_s", size, seq, flush=True)
        print("thr_s", size, thr, flush=True)


if __name__ == "__main__":
    main()
