#!/usr/bin/python3
"""The minimal model (bench/peers/minimal_app.yaml), vectorised with numpy (no event loop).

N customers sign up uniformly over the horizon (signup, conversion and stage_entered at once),
pay every 365.25/12 days while alive, log in as a Poisson process of 3 a week, use the feature at
a login with probability 0.5, and churn at a constant hazard of 3% a month. Every event is built
as rows of (customer, time, type, value) arrays; nothing is written unless --csv is given.
Prints one line: customers, events, seconds, events/s (generation only, as journeysim --discard).

    bench/peers/numpy_peer.py --customers 200000 [--seed 1] [--csv out.csv]
"""
import argparse
import sys
import time

import numpy as np

HORIZON = 365.0
MONTH = 365.25 / 12
LOGIN_RATE = 3 / 7          # per day
FEATURE_P = 0.5
CHURN_RATE = 0.03 / MONTH   # per day
SIGNUP, CONVERSION, STAGE, PAYMENT, LOGIN, FEATURE, CHURNED = range(7)


def generate(n, rng, ordered):
    arrive = np.sort(rng.uniform(0, HORIZON, n))
    churn = arrive + rng.exponential(1 / CHURN_RATE, n)
    end = np.minimum(churn, HORIZON)
    life = end - arrive
    ids = np.arange(n, dtype=np.int64)
    parts = []
    # sign-up, conversion and stage entry at arrival
    for kind in (SIGNUP, CONVERSION, STAGE):
        parts.append((ids, arrive, np.full(n, kind, np.uint8), np.zeros(n)))
    # payments at arrival + k months while alive
    npay = np.floor(life / MONTH).astype(np.int64) + 1
    who = np.repeat(ids, npay)
    k = np.arange(who.size) - np.repeat(np.cumsum(npay) - npay, npay)
    parts.append((who, arrive[who] + k * MONTH, np.full(who.size, PAYMENT, np.uint8),
                  np.full(who.size, 10.0)))
    # logins: a Poisson count over the life, at uniform times
    nlog = rng.poisson(LOGIN_RATE * life)
    who = np.repeat(ids, nlog)
    t = arrive[who] + rng.uniform(0, 1, who.size) * life[who]
    parts.append((who, t, np.full(who.size, LOGIN, np.uint8), np.zeros(who.size)))
    use = rng.uniform(0, 1, who.size) < FEATURE_P
    parts.append((who[use], t[use], np.full(int(use.sum()), FEATURE, np.uint8),
                  np.zeros(int(use.sum()))))
    gone = churn < HORIZON
    parts.append((ids[gone], churn[gone], np.full(int(gone.sum()), CHURNED, np.uint8),
                  np.zeros(int(gone.sum()))))
    cust = np.concatenate([p[0] for p in parts])
    times = np.concatenate([p[1] for p in parts])
    kinds = np.concatenate([p[2] for p in parts])
    values = np.concatenate([p[3] for p in parts])
    if not ordered:
        return cust, times, kinds, values
    # each customer's events in time order, as an event log holds them
    order = np.lexsort((times, cust))
    return cust[order], times[order], kinds[order], values[order]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", help="also write the events as CSV (customer,time_days,type,value)")
    ap.add_argument("--ordered", action="store_true",
                    help="also sort the events by customer and time, as an event log holds them "
                         "(default: by kind, the fastest the model can be generated)")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    t0 = time.perf_counter()
    cust, times, kinds, values = generate(a.customers, rng, a.ordered or bool(a.csv))
    if a.csv:
        np.savetxt(a.csv, np.column_stack([cust, times, kinds, values]), delimiter=",",
                   fmt=["%d", "%.6f", "%d", "%g"], header="customer,time_days,type,value",
                   comments="")
    dt = time.perf_counter() - t0
    tag = "numpy-ordered" if (a.ordered or a.csv) else "numpy"
    print(f"{tag} customers={a.customers} events={cust.size} seconds={dt:.3f} "
          f"events_per_s={cust.size / dt:.0f}")


if __name__ == "__main__":
    sys.exit(main())
