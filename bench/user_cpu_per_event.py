#!/usr/bin/python3
"""User CPU per event of one market (#18): `journeysim run SCENARIO --customers N --scale-teams
--threads 1 --discard`, timed with getrusage(RUSAGE_CHILDREN) (microseconds; the kernel's page
zeroing is system time, not counted), medians of RUNS runs.

    bench/user_cpu_per_event.py JOURNEYSIM RUNS N SCENARIO...
    bench/user_cpu_per_event.py build/bin/journeysim 2 1000000 scenarios/*.yaml
"""
import os
import re
import resource
import statistics
import subprocess
import sys


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    binary, runs, n = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    for scenario in sys.argv[4:]:
        per_event, sys_s = [], []
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            p = subprocess.run([binary, "run", scenario, "--customers", n, "--scale-teams",
                                "--threads", "1", "--discard"], capture_output=True, text=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if p.returncode != 0:
                raise SystemExit(f"{scenario}: {p.stderr.strip()}")
            events = int(re.search(r"events\s+(\d+)", p.stdout + p.stderr).group(1))
            per_event.append((after.ru_utime - before.ru_utime) * 1e9 / events)
            sys_s.append(after.ru_stime - before.ru_stime)
        print(f"{os.path.basename(scenario)} customers={n} events={events} user ns/event: median "
              f"{statistics.median(per_event):.1f} ({' '.join(f'{v:.1f}' for v in per_event)});"
              f" system s: {' '.join(f'{v:.2f}' for v in sys_s)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
