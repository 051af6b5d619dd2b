#!/usr/bin/python3
"""The minimal model (bench/peers/minimal_app.yaml) as a SimPy discrete-event simulation.

Each customer signs up (signup, conversion, stage_entered), logs in as a Poisson process of 3 a
week (a login uses the feature with probability 0.5), pays every 365.25/12 days and churns at a
constant hazard of 3% a month. `--style processes` (default, as a SimPy user writes it): a login
process and a payment process per customer, stopped by the churn; `--style one-process`: one
process per customer that waits for the earliest of its next login, payment and churn (about
4x faster). Every event is written as a CSV row (customer,time_days,type,value). Runs on SimPy 3/4 (`import simpy`)
or on Debian's SimPy 2.3.1 (`SimPy.Simulation`, package python3-simpy).
Prints one line: customers, events, seconds, events/s (simulation and writing).

    bench/peers/simpy_peer.py --customers 20000 --csv out.csv [--seed 1]
"""
import argparse
import random
import sys
import time

HORIZON = 365.0
MONTH = 365.25 / 12
LOGIN_RATE = 3 / 7
FEATURE_P = 0.5
CHURN_RATE = 0.03 / MONTH
SIGNUP, CONVERSION, STAGE, PAYMENT, LOGIN, FEATURE, CHURNED = range(7)


class Out:
    def __init__(self, f):
        self.f = f
        self.n = 0

    def emit(self, c, t, kind, value=0):
        self.f.write(f"{c},{t:.6f},{kind},{value:g}\n")
        self.n += 1


def life(rng, out, c, now, wait):
    """The customer's life as a generator of waits; `now()` reads the clock, `wait(dt)` makes
    the event the SimPy version yields."""
    t = now()
    for kind in (SIGNUP, CONVERSION, STAGE):
        out.emit(c, t, kind)
    churn = t + rng.expovariate(CHURN_RATE)
    pay = t
    login = t + rng.expovariate(LOGIN_RATE)
    while True:
        t = now()
        nxt = min(churn, pay, login)
        if nxt >= HORIZON:
            return
        if nxt > t:
            yield wait(nxt - t)
        t = nxt
        if nxt == churn:
            out.emit(c, t, CHURNED)
            return
        if nxt == pay:
            out.emit(c, t, PAYMENT, 10)
            pay += MONTH
        else:
            out.emit(c, t, LOGIN)
            if rng.random() < FEATURE_P:
                out.emit(c, t, FEATURE)
            login += rng.expovariate(LOGIN_RATE)


def activities(rng, out, c, now, wait, alive):
    """The processes style: (logins, payments) generators of waits for one customer, each
    ending when `alive()` turns false (the churn time has passed)."""

    def logins():
        while True:
            yield wait(rng.expovariate(LOGIN_RATE))
            if not alive():
                return
            out.emit(c, now(), LOGIN)
            if rng.random() < FEATURE_P:
                out.emit(c, now(), FEATURE)

    def payments():
        while alive():
            out.emit(c, now(), PAYMENT, 10)
            yield wait(MONTH)

    return logins(), payments()


def run_simpy3(n, rng, out, style):
    import simpy
    env = simpy.Environment()

    def customer(c, at):
        yield env.timeout(at)
        if style == "one-process":
            yield from life(rng, out, c, lambda: env.now, env.timeout)
            return
        for kind in (SIGNUP, CONVERSION, STAGE):
            out.emit(c, env.now, kind)
        churn = env.now + rng.expovariate(CHURN_RATE)
        for g in activities(rng, out, c, lambda: env.now, env.timeout, lambda: env.now < churn):
            env.process(g)
        if churn < HORIZON:
            yield env.timeout(churn - env.now)
            out.emit(c, env.now, CHURNED)

    for c, at in enumerate(sorted(rng.uniform(0, HORIZON) for _ in range(n))):
        env.process(customer(c, at))
    env.run(until=HORIZON)
    return "simpy " + simpy.__version__


def run_simpy2(n, rng, out, style):
    from SimPy import Simulation as S

    class Waits(S.Process):
        def go(self, waits):
            for w in waits:
                yield S.hold, self, w

    class Customer(S.Process):
        def go(self, c):
            if style == "one-process":
                for w in life(rng, out, c, S.now, lambda dt: dt):
                    yield S.hold, self, w
                return
            for kind in (SIGNUP, CONVERSION, STAGE):
                out.emit(c, S.now(), kind)
            churn = S.now() + rng.expovariate(CHURN_RATE)
            for g in activities(rng, out, c, S.now, lambda dt: dt, lambda: S.now() < churn):
                p = Waits()
                S.activate(p, p.go(g))
            if churn < HORIZON:
                yield S.hold, self, churn - S.now()
                out.emit(c, S.now(), CHURNED)

    S.initialize()
    for c, at in enumerate(sorted(rng.uniform(0, HORIZON) for _ in range(n))):
        p = Customer()
        S.activate(p, p.go(c), at=at)
    S.simulate(until=HORIZON)
    return "simpy " + getattr(S, "__version__", "2")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", default="/dev/null", help="where the events go (default /dev/null)")
    ap.add_argument("--style", choices=["processes", "one-process"], default="processes")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    t0 = time.perf_counter()
    with open(a.csv, "w", buffering=1 << 20) as f:
        f.write("customer,time_days,type,value\n")
        out = Out(f)
        try:
            version = run_simpy3(a.customers, rng, out, a.style)
        except ImportError:
            version = run_simpy2(a.customers, rng, out, a.style)
    dt = time.perf_counter() - t0
    print(f"{version.replace(' ', '-')} style={a.style} customers={a.customers} events={out.n} seconds={dt:.3f} "
          f"events_per_s={out.n / dt:.0f}")


if __name__ == "__main__":
    sys.exit(main())
