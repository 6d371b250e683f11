# The patched CPython's smoke test (tests/python/smoke.sh, docs/python.md):
# real threads on whatever GIL this interpreter has.  Prints one JSON
# object; exits non-zero if a result is wrong.
import json
import os
import socket
import sys
import threading

N = int(os.environ.get("SMOKE_N", "300000"))


def work(seed, n):
    # A deterministic CPU-bound computation: pure bytecode, no GIL release.
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345 + i) % 2147483648
    return x


def threaded(seeds, n):
    out = {}
    ts = [threading.Thread(target=lambda s=s: out.__setitem__(s, work(s, n)))
          for s in seeds]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return [out[s] for s in seeds]


def echo_roundtrips(count):
    # I/O through Py_BEGIN_ALLOW_THREADS (socket recv/send) in two threads.
    a, b = socket.socketpair()

    def server():
        for _ in range(count):
            b.sendall(b.recv(16))

    t = threading.Thread(target=server)
    t.start()
    ok = 0
    for i in range(count):
        msg = b"%08d" % i
        a.sendall(msg)
        ok += a.recv(16) == msg
    t.join()
    a.close()
    b.close()
    return ok


def kgil_fds():
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            n += os.readlink("/proc/self/fd/" + fd) == "/dev/kgil"
        except OSError:
            pass
    return n


def fork_child(n):
    # In a threaded program: fork while another thread runs; the child
    # computes with threads of its own on its own GIL and exits normally.
    stop = threading.Event()
    bg = threading.Thread(target=lambda: [work(1, 1000) for _ in iter(stop.is_set, True)])
    bg.start()
    pid = os.fork()
    if pid == 0:
        want = [work(s, n // 10) for s in (5, 6)]
        got = threaded((5, 6), n // 10)
        sys.exit(0 if got == want else 3)
    stop.set()
    bg.join()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def subinterpreter(n):
    # 3.11's subinterpreters share the process's one GIL (one kgil domain):
    # a thread of the main interpreter runs beside a subinterpreter's.
    try:
        import _xxsubinterpreters as interpreters
    except ImportError:
        return "unavailable"
    interp = interpreters.create(isolated=False)
    main_t = threading.Thread(target=work, args=(9, n // 10))
    main_t.start()
    r, w = os.pipe()
    interpreters.run_string(interp, f"""
import os, threading
def work(seed, n):
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345 + i) % 2147483648
    return x
res = []
t = threading.Thread(target=lambda: res.append(work(7, {n // 10})))
t.start()
t.join()
os.write({w}, str(res[0]).encode())
""")
    main_t.join()
    got = int(os.read(r, 64))
    os.close(r)
    os.close(w)
    interpreters.destroy(interp)
    return "ok" if got == work(7, n // 10) else "wrong"


def main():
    res = {"pid": os.getpid(), "kgil_backend": os.environ.get("KGIL_BACKEND", ""),
           "kgil_fds": kgil_fds()}
    seeds = (1, 2)
    want = [work(s, N) for s in seeds]
    res["threads_correct"] = threaded(seeds, N) == want
    sys.setswitchinterval(0.001)
    res["switchinterval"] = sys.getswitchinterval()
    res["threads_correct_1ms"] = threaded(seeds, N // 2) == [work(s, N // 2) for s in seeds]
    res["echo_ok"] = echo_roundtrips(200)
    res["fork_child_exit"] = fork_child(N)
    res["subinterpreter"] = subinterpreter(N)
    print(json.dumps(res))
    ok = (res["threads_correct"] and res["threads_correct_1ms"] and
          abs(res["switchinterval"] - 0.001) < 1e-9 and res["echo_ok"] == 200 and
          res["fork_child_exit"] == 0 and res["subinterpreter"] in ("ok", "unavailable"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
