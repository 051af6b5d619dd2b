#!/usr/bin/python3
"""User CPU per event of one market (#18): `journeysim run SCENARIO --customers N --scale-teams
--threads 1 --discard`, timed with getrusage(RUSAGE_CHILDREN) (microseconds; the kernel's page
zeroing is system time, not counted), medians of RUNS runs.

    bench/user_cpu_per_event.py JOURNEYSIM[,JOURNEYSIM...] RUNS N[,N...] SCENARIO...
    bench/user_cpu_per_event.py build/bin/journeysim 2 1000000 scenarios/*.yaml
    bench/user_cpu_per_event.py old/journeysim,build/bin/journeysim 3 10000,1000000 scenarios/*.yaml

Several binaries or sizes (comma-separated) are run interleaved, run by run, so that they share
this host's state (its memory swings between warm and cold); with two sizes or more, each
binary's line ends with the ratio of the largest size's median to the smallest's (the flatness
of the cost per event in the market's size).
"""
import os
import re
import resource
import statistics
import subprocess
import sys


def user_ns_per_event(binary, scenario, n):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([binary, "run", scenario, "--customers", n, "--scale-teams",
                        "--threads", "1", "--discard"], capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"{scenario}: {p.stderr.strip()}")
    events = int(re.search(r"events\s+(\d+)", p.stdout + p.stderr).group(1))
    return ((after.ru_utime - before.ru_utime) * 1e9 / events, after.ru_stime - before.ru_stime,
            events)


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    binaries, runs, sizes = sys.argv[1].split(","), int(sys.argv[2]), sys.argv[3].split(",")
    for scenario in sys.argv[4:]:
        per_event, sys_s, events = {}, {}, {}
        for _ in range(runs):
            for b in binaries:
                for n in sizes:
                    ns, s, ev = user_ns_per_event(b, scenario, n)
                    per_event.setdefault((b, n), []).append(ns)
                    sys_s.setdefault((b, n), []).append(s)
                    events[(b, n)] = ev
        for b in binaries:
            med = {}
            label = f" {b}" if len(binaries) > 1 else ""
            for n in sizes:
                v = per_event[(b, n)]
                med[n] = statistics.median(v)
                print(f"{os.path.basename(scenario)}{label} customers={n} events={events[(b, n)]}"
                      f" user ns/event: median {med[n]:.1f} ({' '.join(f'{x:.1f}' for x in v)});"
                      f" system s: {' '.join(f'{x:.2f}' for x in sys_s[(b, n)])}", flush=True)
            if len(sizes) > 1:
                lo, hi = min(sizes, key=int), max(sizes, key=int)
                print(f"{os.path.basename(scenario)}{label} ratio {hi}/{lo}: "
                      f"{med[hi] / med[lo]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
