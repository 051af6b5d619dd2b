"""/meta/checksum of a journeysim event log (format 2), computed from what h5py reads, as
docs/event-log.md defines it: an independent implementation of eventlog/src/checksum.cpp.

Usage: eventlog_digest.py LOG [--write]   prints the stored and computed digests; with --write,
stores the computed one (to build a hand-edited log that is consistent)."""
import struct
import sys

import h5py


def digest(f):
    h = 0xCBF29CE484222325

    def feed(b):
        nonlocal h
        for x in b:
            h = ((h ^ x) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF

    def u64(v):
        feed(struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF))

    def text(s):
        u64(len(s))
        feed(s)

    m = f["meta"]
    s = lambda k: bytes(m[k][()])
    text(s("scenario_name"))
    text(s("scenario_text"))
    u64(int(m["seed"][()]))
    text(s("version"))
    text(s("command_line"))
    text(s("options"))
    u64(int(m["start_time"][()]))
    feed(struct.pack("<d", float(m["horizon_days"][()])))
    u64(int(m["markets"][()]))
    u64(int(m["replications"][()]))
    u64(int(m["first_replication"][()]))
    text(s("part"))
    names = sorted(k for k in f["names"] if k != "event_types")
    u64(len(names))
    for k in names:
        text(k.encode())
        values = f["names"][k][:]
        u64(len(values))
        for v in values:
            text(bytes(v))
    types = f["names/event_types"][:]
    u64(len(types))
    for v in types:
        text(bytes(v))
    for table, col in (("events", "time"), ("customers", "id"), ("channels", "market")):
        u64(f[table][col].shape[0])
    return h


if __name__ == "__main__":
    with h5py.File(sys.argv[1], "r+" if "--write" in sys.argv else "r") as f:
        d = digest(f)
        print(int(f["meta/checksum"][()]), d)
        if "--write" in sys.argv:
            f["meta/checksum"][()] = d
