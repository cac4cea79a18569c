"""Crash test with real processes: a child writes with durability="sync" and
reports every acknowledged write; the parent kills it with SIGKILL at a random
moment, reopens the database and checks that every acknowledged write is there,
whole, and that nothing else is there."""

import os
import random
import sys

import pytest

import embodb

sys.path.insert(0, os.path.dirname(__file__))
from crash_util import run_and_kill  # noqa: E402
from crash_writer import value_for  # noqa: E402

WRITER = os.path.join(os.path.dirname(__file__), "crash_writer.py")


def check_round(path: str, expected_live: dict, expected_dead: set) -> None:
    with embodb.connect(path) as db:
        for key, value in expected_live.items():
            got = db.kv.get(key)
            assert got is not None, f"acknowledged key {key!r} lost"
            assert got == value, f"key {key!r} has a wrong value"
        for key in expected_dead:
            assert db.kv.get(key) is None, f"acknowledged delete of {key!r} undone"
        # Nothing that exists is torn: every present key has its full value.
        for key, value in db.kv.scan():
            assert value == value_for(key), f"key {key!r} has a torn value"


def crash_rounds(path: str, rounds: int, seed: int) -> None:
    rng = random.Random(seed)
    live: dict = {}
    dead: set = set()
    for round_no in range(rounds):
        lines = run_and_kill(WRITER, path, round_no, rng.randrange(1 << 30), rng.uniform(0.3, 0.9))
        for line in lines:
            op, key = line.split(" ", 1)
            k = key.encode()
            if op == "P":
                live[k] = value_for(k)
                dead.discard(k)
            elif op == "T":
                live.pop(k, None)  # a delete in flight: either outcome is right
            else:
                live.pop(k, None)
                dead.add(k)
        check_round(path, live, dead)
    assert len(live) > 50, "the writer acknowledged too little to test anything"


def test_sigkill_loses_no_acknowledged_write(tmp_path):
    crash_rounds(str(tmp_path / "db"), rounds=20, seed=1234)


@pytest.mark.slow
def test_sigkill_many_rounds(tmp_path):
    crash_rounds(str(tmp_path / "db"), rounds=200, seed=99)
