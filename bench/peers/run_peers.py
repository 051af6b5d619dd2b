#!/usr/bin/python3
"""Runs journeysim and its two hand-written peers on the minimal model, interleaved, and prints
the medians and the ratios that #18 asks about (bench/RESULTS.md records them).

  1. generation only, one thread: `journeysim run bench/peers/minimal_app.yaml --threads 1
     --discard` against bench/peers/numpy_peer.py (vectorised, no event loop; also --ordered,
     with the events sorted by customer and time as an event log holds them);
  2. writing the output: journeysim's default compressed HDF5 log (one thread) against
     bench/peers/simpy_peer.py writing CSV.

Events per second: the numpy and SimPy scripts time themselves (after Python's start-up);
journeysim is timed from outside (wall clock, start-up and the closed file included).

    bench/peers/run_peers.py [--journeysim build/bin/journeysim] [--customers 200000]
                             [--simpy-customers 20000] [--runs 5]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def events_of(text):
    m = re.search(r"events[ =]+(\d+)", text)
    if not m:
        raise RuntimeError("no event count in: " + text)
    return int(m.group(1))


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(" ".join(cmd) + " failed: " + p.stderr)
    return p.stdout + p.stderr, dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--journeysim", default=os.path.join(ROOT, "build/bin/journeysim"))
    ap.add_argument("--customers", type=int, default=200000)
    ap.add_argument("--simpy-customers", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--more", action="store_true",
                    help="also journeysim's log with 2 threads, and with deflate:2 and lz4 at 1 "
                         "thread (context for the SimPy ratio, which is asked of the default log)")
    a = ap.parse_args()
    scenario = os.path.join(ROOT, "bench/peers/minimal_app.yaml")
    py = sys.executable
    keys = ["journeysim_discard", "numpy", "numpy_ordered", "journeysim_log", "simpy_csv"]
    more = {"journeysim_log_2threads": ["--threads", "2"],
            "journeysim_log_deflate2": ["--compression", "deflate:2"],
            "journeysim_log_lz4": ["--compression", "lz4"]}
    if a.more:
        keys += list(more)
    rates = {k: [] for k in keys}
    with tempfile.TemporaryDirectory() as tmp:
        log, csv = os.path.join(tmp, "m.h5"), os.path.join(tmp, "m.csv")
        for r in range(a.runs):
            # (not -q: the run's summary on stderr gives the event count)
            base = [a.journeysim, "run", scenario, "--customers", str(a.customers), "--threads",
                    "1"]
            out, dt = run(base + ["--discard"])
            rates["journeysim_discard"].append(events_of(out) / dt)
            for key, extra in (("numpy", []), ("numpy_ordered", ["--ordered"])):
                out, _ = run([py, os.path.join(HERE, "numpy_peer.py"), "--customers",
                              str(a.customers), "--seed", str(r + 1)] + extra)
                rates[key].append(float(re.search(r"events_per_s=(\d+)", out).group(1)))
            out, dt = run(base + ["-o", log])
            rates["journeysim_log"].append(events_of(out) / dt)
            out, _ = run([py, os.path.join(HERE, "simpy_peer.py"), "--customers",
                          str(a.simpy_customers), "--csv", csv, "--seed", str(r + 1)])
            rates["simpy_csv"].append(float(re.search(r"events_per_s=(\d+)", out).group(1)))
            if a.more:
                for key, extra in more.items():
                    cmd = base + ["-o", log] + extra
                    if "--threads" in extra:  # replaces the base's --threads 1
                        cmd = cmd[:cmd.index("--threads")] + cmd[cmd.index("--threads") + 2:]
                    out, dt = run(cmd)
                    rates[key].append(events_of(out) / dt)
            print(f"run {r + 1}/{a.runs}: " + ", ".join(f"{k} {v[-1] / 1e6:.2f}" for k, v in
                                                        rates.items()) + " M events/s",
                  file=sys.stderr)
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"median events/s over {a.runs} interleaved runs "
          f"({a.customers} customers; SimPy {a.simpy_customers}):")
    for k, v in med.items():
        print(f"  {k:20s} {v / 1e6:8.2f} M")
    print("ratios:")
    print(f"  journeysim --discard / numpy          {med['journeysim_discard'] / med['numpy']:.2f}")
    print(f"  journeysim --discard / numpy ordered  "
          f"{med['journeysim_discard'] / med['numpy_ordered']:.2f}")
    print(f"  journeysim log / SimPy CSV            {med['journeysim_log'] / med['simpy_csv']:.1f}")
    for key in more:
        if key in med:
            print(f"  {key[11:]:13s} / SimPy CSV        {med[key] / med['simpy_csv']:.1f}")


if __name__ == "__main__":
    sys.exit(main())
