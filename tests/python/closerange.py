# Closing every descriptor, as daemons do (tests/python/smoke.sh, issue
# 25): the interpreter must go on, its GIL too.  One phase a run; prints
# one JSON object, exits non-zero if a result is wrong.
#   single256 / singlemax   os.closerange(3, 256) / (3, SC_OPEN_MAX)
#   multi256 / multimax     the same while threads compute and talk
#   oscalls                 os.close and os.dup2 on the GIL's number
#   bypass                  threads run; libc's close() on the GIL's
#                           number through ctypes (Python does not see
#                           it), a new file put at that number, again
#                           with the GIL held (PyDLL), then close_range()
import ctypes
import json
import os
import socket
import sys
import threading

phase = sys.argv[1]
res = {"phase": phase, "pid": os.getpid()}


def kgil_fds():
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + fd) == "/dev/kgil":
                out.append(int(fd))
        except OSError:
            pass
    return out


def work(seed, n):
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345 + i) % 2147483648
    return x


class Load:
    """Two counting threads and an echo pair, running until stop()."""

    def __init__(self):
        self.halt = threading.Event()
        self.results, self.echoes = [], [0]
        self.a, self.b = socket.socketpair()
        self.threads = [threading.Thread(target=self.count, args=(s,))
                        for s in (1, 2)]
        self.threads.append(threading.Thread(target=self.echo_server))
        self.threads.append(threading.Thread(target=self.echo_client))
        for t in self.threads:
            t.start()

    def count(self, seed):
        ok = True
        while not self.halt.is_set():
            ok &= work(seed, 2000) == work(seed, 2000)
        self.results.append(ok)

    def echo_server(self):
        while True:
            m = self.b.recv(16)
            if not m or m == b"stop":
                return
            self.b.sendall(m)

    def echo_client(self):
        i = 0
        while not self.halt.is_set():
            m = b"%08d" % i
            self.a.sendall(m)
            if self.a.recv(16) != m:
                self.echoes[0] = -1 << 30
            self.echoes[0] += 1
            i += 1
        self.a.sendall(b"stop")

    def stop(self):
        self.halt.set()
        for t in self.threads:
            t.join()
        return self.results == [True, True] and self.echoes[0] > 0


def after():
    # The GIL still works: threads compute correctly and talk.
    want = [work(s, 20000) for s in (3, 4)]
    out = {}
    ts = [threading.Thread(target=lambda s=s: out.__setitem__(s, work(s, 20000)))
          for s in (3, 4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return [out[s] for s in (3, 4)] == want


def closerange(top, threaded):
    load = Load() if threaded else None
    if load:
        work(0, 20000)              # let them run a while
    # The load's socketpair is above 3: keep it, as a daemon's caller
    # would keep what it still uses (closerange around it).
    keep = sorted({load.a.fileno(), load.b.fileno()}) if load else []
    lo = 3
    for k in keep + [top]:
        if lo < k:
            os.closerange(lo, k)
        lo = k + 1
    res["load_ok"] = load.stop() if load else True
    return res["load_ok"]


def oscalls():
    fds = kgil_fds()
    if not fds:
        return True                 # stock or a user backend: no number
    k = fds[0]
    try:
        os.close(k)
        res["close"] = "closed"
    except OSError as e:
        res["close"] = e.errno
    r, w = os.pipe()
    os.dup2(r, k)                   # the number is the program's to use
    os.write(w, b"mine")
    res["dup2_read"] = os.read(k, 4).decode()
    os.close(k)
    os.close(r)
    os.close(w)
    res["kgil_fds_after"] = len(kgil_fds())
    return (res["close"] == 9 and res["dup2_read"] == "mine" and
            res["kgil_fds_after"] == 1)


def put_file_at(k, path):
    f = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(f, k)
    os.close(f)
    os.write(k, b"a user's file")


def bypass():
    fds = kgil_fds()
    load = Load()
    work(0, 20000)
    libc = ctypes.CDLL(None, use_errno=True)        # releases the GIL
    held = ctypes.PyDLL(None, use_errno=True)       # keeps it
    tmp = "/tmp/kgil-closerange-%d" % os.getpid()
    ok = True
    for i, k in enumerate(fds[:1]):
        libc.close(k)
        put_file_at(k, tmp + ".a")
        work(0, 20000)
        k2 = kgil_fds()[0]
        held.close(k2)
        put_file_at(k2, tmp + ".b")
        work(0, 20000)
        for fd, path in ((k, tmp + ".a"), (k2, tmp + ".b")):
            os.lseek(fd, 0, 0)
            ok &= os.read(fd, 64) == b"a user's file"
            ok &= os.readlink("/proc/self/fd/%d" % fd) == path
        # close_range(3, ~0U, 0) behind Python's back, load and all.
        res["kgil_fd_before_close_range"] = kgil_fds()
    res["load_ok"] = load.stop()
    if fds:
        libc.syscall(436, 3, 0xFFFFFFFF, 0)         # close_range
        work(0, 20000)
        for p in (tmp + ".a", tmp + ".b"):
            os.unlink(p)
    res["files_intact"] = ok
    return ok and res["load_ok"]


def main():
    ok = {
        "single256": lambda: closerange(256, False),
        "singlemax": lambda: closerange(os.sysconf("SC_OPEN_MAX"), False),
        "multi256": lambda: closerange(256, True),
        "multimax": lambda: closerange(os.sysconf("SC_OPEN_MAX"), True),
        "oscalls": oscalls,
        "bypass": bypass,
    }[phase]()
    res["after_ok"] = after()
    res["kgil_fds"] = len(kgil_fds())
    res["ok"] = bool(ok and res["after_ok"])
    print(json.dumps(res), flush=True)
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
