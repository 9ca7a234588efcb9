#!/usr/bin/env python3
"""Checks of the json output against the csv output of the same run.

  jsoncheck.py lines FILE.jsonl
      every line is one JSON object (RFC 8259: no NaN or Infinity, no
      duplicate names) with a "type"; prints the count per type
  jsoncheck.py rows FILE.csv FILE.jsonl TYPE
      the rows of TYPE (connection, interval) are the CSV's rows, in order,
      field for field under the header's names (an empty cell is null)
  jsoncheck.py events FILE.jsonl
      each connection of the connection rows has one "opened" and one
      "removed" event (in that order), its state events chain from state
      to state, and "removed" carries the connection row's values
  jsoncheck.py run DIR
      of one run's files in DIR: lines of c.jsonl, i.jsonl and g.jsonl;
      rows of c.csv, i.csv and g.csv against them; events of c.jsonl
  jsoncheck.py subset SENT.jsonl RECEIVED.jsonl
      every received line but the "lost" notices is a sent line, once; prints
      the lines received and the losses the notices told
"""
import csv
import json
import sys
from collections import Counter
from decimal import Decimal


def no_constant(name):
    raise ValueError("not JSON: " + name)


def no_dups(pairs):
    names = [k for k, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("duplicate names")
    return dict(pairs)


def load(line):
    # numbers as their text: 1700000000.000017 must not become a float
    return json.loads(line, parse_float=Decimal, parse_constant=no_constant, object_pairs_hook=no_dups)


def read(path):
    out = []
    with open(path, encoding="utf-8", newline="\n") as f:
        for i, line in enumerate(f, 1):
            if not line.endswith("\n"):
                sys.exit(f"{path}:{i}: line not ended")
            try:
                o = load(line)
            except ValueError as e:
                sys.exit(f"{path}:{i}: {e}: {line[:200]}")
            if not isinstance(o, dict) or "type" not in o:
                sys.exit(f"{path}:{i}: not an object with a type")
            out.append(o)
    return out


def text(v):
    """A JSON value as the CSV writes it."""
    if v is None:
        return ""
    return str(v)


def cmd_lines(path):
    objs = read(path)
    c = Counter(o["type"] for o in objs)
    print(" ".join(f"{k}={c[k]}" for k in sorted(c)) or "empty")


def cmd_rows(csv_path, json_path, typ):
    with open(csv_path, newline="") as f:
        rows = list(csv.reader(f))
    head, rows = rows[0], rows[1:]
    objs = [o for o in read(json_path) if o["type"] == typ]
    if len(objs) != len(rows):
        sys.exit(f"{len(objs)} {typ} lines, {len(rows)} CSV rows")
    for n, (o, r) in enumerate(zip(objs, rows), 1):
        names = [k for k in o if k not in ("type", "id")]
        if names != head:
            sys.exit(f"row {n}: names {names} are not the header {head}")
        got = [text(o[k]) for k in head]
        if got != r:
            sys.exit(f"row {n}: {got} != {r}")
    print(f"{len(rows)} rows equal")


def cmd_events(path):
    objs = read(path)
    conns = {o["id"]: o for o in objs if o["type"] == "connection"}
    seen = {}
    for o in objs:
        t = o["type"]
        if t not in ("opened", "state", "removed"):
            continue
        i = o["id"]
        s = seen.get(i)
        if t == "opened":
            if s is not None:
                sys.exit(f"id {i}: opened twice")
            if o["c2s_packets"] + o["s2c_packets"] != 1:
                sys.exit(f"id {i}: opened with {o['c2s_packets']} + {o['s2c_packets']} packets, not its first")
            seen[i] = {"state": o["state"], "removed": False}
            continue
        if s is None or s["removed"]:
            sys.exit(f"id {i}: {t} before opened or after removed")
        if t == "state":
            if o["old_state"] != s["state"]:
                sys.exit(f"id {i}: state from {o['old_state']}, was {s['state']}")
            s["state"] = o["state"]
        else:
            s["removed"] = True
            c = conns.get(i)
            if c is None:
                sys.exit(f"id {i}: removed, but no connection row")
            for k, v in c.items():
                if k != "type" and o.get(k) != v:
                    sys.exit(f"id {i}: removed {k}={o.get(k)}, row {v}")
    for i in conns:
        if i not in seen or not seen[i]["removed"]:
            sys.exit(f"id {i}: a connection row without opened and removed")
    if len(seen) != len(conns):
        sys.exit(f"{len(seen)} connections opened, {len(conns)} rows")
    print(f"{len(conns)} connections: opened, states chained, removed")


def cmd_subset(sent_path, got_path):
    read(sent_path)
    sent = Counter(open(sent_path, encoding="utf-8").read().splitlines())
    lost = 0
    n = 0
    for line in open(got_path, encoding="utf-8").read().splitlines():
        o = load(line)
        if o["type"] == "lost":
            lost += o["lost"]
            continue
        if sent[line] <= 0:
            sys.exit(f"received a line that was not sent (or twice): {line[:200]}")
        sent[line] -= 1
        n += 1
    print(f"{n} {lost}")


def cmd_run(d):
    for f in ("c", "i", "g"):
        cmd_lines(f"{d}/{f}.jsonl")
    cmd_rows(f"{d}/c.csv", f"{d}/c.jsonl", "connection")
    cmd_rows(f"{d}/i.csv", f"{d}/i.jsonl", "interval")
    cmd_rows(f"{d}/g.csv", f"{d}/g.jsonl", "interval")
    cmd_events(f"{d}/c.jsonl")


def main():
    a = sys.argv[1:]
    if a[:1] == ["run"] and len(a) == 2:
        return cmd_run(a[1])
    if a[:1] == ["lines"] and len(a) == 2:
        cmd_lines(a[1])
    elif a[:1] == ["rows"] and len(a) == 4:
        cmd_rows(a[1], a[2], a[3])
    elif a[:1] == ["events"] and len(a) == 2:
        cmd_events(a[1])
    elif a[:1] == ["subset"] and len(a) == 3:
        cmd_subset(a[1], a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
