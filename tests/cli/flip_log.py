"""Flips one random bit of an event log N times and runs a journeysim command on each copy.

Usage: flip_log.py JOURNEYSIM LOG N SEED [ARGS...]   (ARGS default: score --format json; LOG in
ARGS is replaced by the damaged copy's path). Each copy must give either an error (rc 1 with a
message) or exactly the original's output: never a different answer with rc 0 (WRONG), never a
signal death (CRASH). Prints the counts; exits 1 if any copy was WRONG or a CRASH (#15)."""
import os
import random
import shutil
import subprocess
import sys

binary, log, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
args = sys.argv[5:] or ["score", "LOG", "--format", "json"]
data = open(log, "rb").read()
copy = log + ".flipped.h5"


# `export LOG --csv DIR`: the files written are the output
csv_dir = args[args.index("--csv") + 1] if "--csv" in args else None


def run(path):
    if csv_dir:
        shutil.rmtree(csv_dir, ignore_errors=True)
    r = subprocess.run([binary, "-q"] + [path if a == "LOG" else a for a in args],
                       capture_output=True, timeout=60)
    out = r.stdout
    if csv_dir and r.returncode == 0:
        for name in sorted(os.listdir(csv_dir)):
            out += name.encode() + open(os.path.join(csv_dir, name), "rb").read()
    return r.returncode, out.replace(path.encode(), b"LOG"), r.stderr


rc0, out0, err0 = run(log)
if rc0 != 0:
    sys.exit(f"the undamaged log fails: {err0.decode()}")
rnd = random.Random(seed)
counts = {"same": 0, "error": 0, "WRONG": 0, "CRASH": 0}
for _ in range(n):
    pos, bit = rnd.randrange(len(data)), 1 << rnd.randrange(8)
    damaged = bytearray(data)
    damaged[pos] ^= bit
    with open(copy, "wb") as f:
        f.write(damaged)
    rc, out, err = run(copy)
    kind = ("CRASH" if rc < 0 or rc >= 128 else "error" if rc != 0 else
            "same" if out == out0 else "WRONG")
    if kind == "error" and not err.strip():
        kind = "CRASH"  # an error without a message is no better
    counts[kind] += 1
    if kind in ("WRONG", "CRASH"):
        keep = f"{log}.{kind}.byte{pos}.bit{bit}.h5"
        shutil.copy(copy, keep)
        print(f"{kind}: byte {pos} bit {bit}: rc {rc}; kept as {keep}; {err.decode()[-300:]}")
os.remove(copy)
print(os.path.basename(log), counts)
sys.exit(1 if counts["WRONG"] or counts["CRASH"] else 0)
