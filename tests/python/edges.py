# Real Python at its edges (issue 25), on whatever GIL this interpreter
# has (tests/python/smoke.sh runs it on stock CPython and on kgil):
#   edges.py interval      sys.setswitchinterval() reads back what was set
#   edges.py threads N     N threads waiting on one Event, then all released
#   edges.py over-limit N  starting N threads must end in RuntimeError
#                          ("can't start new thread") in the parent, not
#                          an abort (run it with the module's max_threads
#                          below N)
#   edges.py fork-fails E  os.fork() must raise OSError(E) in the parent
#                          (run it with max_domains_per_user at 1)
# Each prints "edges: ok ..." and exits 0, or says what was wrong and
# exits 1.
import errno
import os
import sys
import threading


def fail(msg):
    print("edges: FAIL " + msg)
    sys.exit(1)


def interval():
    # Stock keeps what was set (in microseconds); kgil's domain bounds
    # are 1 us .. 10 s, which must not show through the read-back.
    for s in (30.0, 10.0, 0.002, 12.5, 1e-6, 0.005):
        sys.setswitchinterval(s)
        got = sys.getswitchinterval()
        if abs(got - s) > 1e-9:
            fail("setswitchinterval(%r) reads back %r" % (s, got))
    print("edges: ok   interval: 30.0, 10.0, 0.002, 12.5, 1e-06, 0.005 read back")


def threads(n):
    # A thread server's shape: n threads parked on one Event, then woken.
    threading.stack_size(256 * 1024)
    go = threading.Event()
    done = []
    lock = threading.Lock()

    def body(i):
        go.wait()
        with lock:
            done.append(i)

    ts = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    go.set()
    for t in ts:
        t.join()
    if sorted(done) != list(range(n)):
        fail("threads %d: %d of them ran" % (n, len(done)))
    print("edges: ok   threads: %d threads waited on one Event and ran" % n)


def over_limit(n):
    threading.stack_size(256 * 1024)
    go = threading.Event()
    started = []
    err = None
    for i in range(n):
        t = threading.Thread(target=go.wait, daemon=True)
        try:
            t.start()
        except RuntimeError as e:
            err = e
            break
        started.append(t)
    # The running threads go on, and another thread starts once one ends.
    go.set()
    for t in started:
        t.join()
    if err is None:
        fail("over-limit %d: every thread started" % n)
    if str(err) != "can't start new thread":
        fail("over-limit %d: RuntimeError(%r)" % (n, str(err)))
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
    print("edges: ok   over-limit: RuntimeError(%r) after %d threads; "
          "a thread starts again once they ended" % (str(err), len(started)))


def fork_fails(name):
    want = getattr(errno, name)
    try:
        pid = os.fork()
    except OSError as e:
        if e.errno != want:
            fail("fork-fails: OSError errno %s, want %s" % (e.errno, name))
        print("edges: ok   fork-fails: os.fork() raised %s in the parent" % e)
        return
    if pid == 0:
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    fail("fork-fails: os.fork() returned a child, which ended with status %#x"
         % status)


def main():
    what = sys.argv[1]
    if what == "interval":
        interval()
    elif what == "threads":
        threads(int(sys.argv[2]))
    elif what == "over-limit":
        over_limit(int(sys.argv[2]))
    elif what == "fork-fails":
        fork_fails(sys.argv[2])
    else:
        fail("unknown test %s" % what)


if __name__ == "__main__":
    main()
