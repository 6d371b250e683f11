# SPDX-License-Identifier: GPL-2.0
"""The "real Python" table of `make run` (scripts/run-python.sh).

Reads DIR/COLUMN.SCENARIO.json (kgil bench --json, medians of the runs)
for each column and prints the seeds' rows that apply to real Python,
then writes DIR/../python.md and DIR/../python.json.  Run by the patched
interpreter itself on its own GIL.
"""
import json
import os
import sys

# (id, experiment, the talks' figure, scenario, key, format)
ROWS = [
    ("1", "2 CPU threads: failed acquisitions (the battle)", "many",
     "py-cpu", "failed_acquires", "{:.0f}"),
    ("2", "2 CPU threads vs sequential (time ratio)", "1.85x (2 cores)",
     "py-cpu", "ratio", "{:.2f}x"),
    ("2", "that ratio over stock's, run beside it", "",
     "py-cpu", "ratio_vs_stock", "{:.2f}"),
    ("2", "1 CPU thread: time over stock's, run beside it", "",
     "py-cpu1", "sequential_vs_stock", "{:.2f}"),
    ("4", "2 threads in hashlib, 256 KiB buffers (speedup)", "~2x",
     "py-cext", "points.5.speedup", "{:.2f}x"),
    ("4", "2 threads in hashlib, 256 B buffers (speedup)", "~1x (GIL held)",
     "py-cext", "points.0.speedup", "{:.2f}x"),
    ("6", "2 processes vs sequential (speedup)", "1.97x",
     "py-cpu", "processes_speedup", "{:.2f}x"),
    ("8", "echo round trip beside a CPU thread, p50 (ratio)", "~700x",
     "py-convoy", "ratio_p50", "{:.1f}x"),
    ("8", "echo round trip p50 beside a CPU thread", "10.2 ms",
     "py-convoy", "loaded_p50_us", "us"),
    ("8", "echo round trip p99 (ratio)", "",
     "py-convoy", "ratio_p99", "{:.1f}x"),
    ("8", "CPU thread's rate beside the server (ratio)", "",
     "py-convoy", "cpu_throughput_ratio", "{:.2f}"),
]


def get(d, path):
    for p in path.split("."):
        d = d[int(p)] if isinstance(d, list) else d[p]
    return d


def fmt(v, how):
    if isinstance(v, str):
        return v
    if v is None:
        return "-"
    if how == "us":
        return "%.1f ms" % (v / 1000) if v >= 1000 else "%.0f us" % v
    return how.format(v)


def main():
    out, columns = sys.argv[1], sys.argv[2:]
    data = {}
    for c in columns:
        for s in ("py-cpu", "py-cpu1", "py-convoy", "py-cext"):
            path = os.path.join(out, "%s.%s.json" % (c, s))
            try:
                with open(path) as f:
                    data[(c, s)] = json.load(f)
            except (OSError, ValueError):
                data[(c, s)] = None
                # The run went over its time limit: e.g. an echo server
                # starved by legacy's battle.
                try:
                    with open(os.path.join(out, "%s.%s.timeout" % (c, s))) as f:
                        data[(c, s)] = ">%ss" % f.read().strip()
                except OSError:
                    pass
    rows = []
    for rid, what, talk, scen, key, how in ROWS:
        cells = []
        for c in columns:
            d = data[(c, scen)]
            try:
                v = d if isinstance(d, str) else get(d, key) if d else None
            except (KeyError, IndexError, TypeError):
                v = None
            cells.append(v)
        rows.append({"id": rid, "experiment": what, "talks": talk,
                     "scenario": scen, "key": key,
                     "cells": dict(zip(columns, cells)),
                     "shown": [fmt(v, how) for v in cells]})
    runs = next((d.get("repeat") for d in data.values() if isinstance(d, dict)), None)
    head = "Real Python: CPython %s, GIL per column (stock: its own), " \
        "medians of %s run(s)" % (sys.version.split()[0], runs)
    names = [c.replace("kernel:", "") for c in columns]
    w0 = max(len(r["experiment"]) for r in rows)
    line = "%-2s %-*s %-15s" % ("", w0, "experiment", "talks") + \
        "".join(" %9s" % n for n in names)
    print(head)
    print(line)
    for r in rows:
        print("%-2s %-*s %-15s" % (r["id"], w0, r["experiment"], r["talks"]) +
              "".join(" %9s" % s for s in r["shown"]))
    base = os.path.dirname(os.path.abspath(out))
    with open(os.path.join(base, "python.json"), "w") as f:
        json.dump({"columns": columns, "rows": rows}, f, indent=2)
    with open(os.path.join(base, "python.md"), "w") as f:
        f.write(head + "\n\n| row | experiment | talks | " +
                " | ".join(names) + " |\n|" + " --- |" * (3 + len(names)) + "\n")
        for r in rows:
            f.write("| %s | %s | %s | %s |\n" % (r["id"], r["experiment"], r["talks"],
                                                 " | ".join(r["shown"])))


if __name__ == "__main__":
    main()
