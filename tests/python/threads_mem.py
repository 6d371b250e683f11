# Many short threads must not grow the process (tests/python/smoke.sh,
# issue 25: the user backends kept a record a thread until the domain's
# close, 45 MB for 100,000 threads).  Prints the growth of the resident
# set over the last N of N + 2,000 threads, in kB.
import sys
import threading

n = int(sys.argv[1])


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])


def burst(count):
    for _ in range(count):
        t = threading.Thread(target=int)
        t.start()
        t.join()


burst(2000)         # the allocator's and the interpreter's own warm-up
before = rss_kb()
burst(n)
print(rss_kb() - before)
