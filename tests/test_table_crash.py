"""Crash test for tables: a child commits transactions on a table with
secondary indexes (sync durability) and is killed with SIGKILL at a random
moment (odd rounds write large transactions straight into tables). After
reopening, every acknowledged transaction is fully there, the
one in flight is either fully there or not at all, and every index answers
exactly like a scan; the vector index holds exactly the table's rows."""

import os
import random
import sys

import numpy as np

import embodb

sys.path.insert(0, os.path.dirname(__file__))
from crash_util import run_and_kill  # noqa: E402
from table_crash_writer import group_size  # noqa: E402

WRITER = os.path.join(os.path.dirname(__file__), "table_crash_writer.py")


def observe_and_check(path, model):
    """Checks the reopened table against model (group -> label) and returns
    what it holds. At most one group may differ: the transaction that was in
    flight at the kill, and it must be whole."""
    with embodb.connect(path) as db:
        if "t" not in db:
            assert not model
            return {}
        t = db["t"]
        rows = t.select("grp", "label").to_list()
        labels, sizes = {}, {}
        for r in rows:
            labels.setdefault(r["grp"], set()).add(r["label"])
            sizes[r["grp"]] = sizes.get(r["grp"], 0) + 1
        observed = {}
        for g, ls in labels.items():
            assert len(ls) == 1, f"group {g} is half-updated: {ls}"
            assert sizes[g] == group_size(g), f"group {g} has {sizes[g]} of its {group_size(g)} rows"
            observed[g] = next(iter(ls))
        differ = [g for g in set(model) | set(observed) if model.get(g) != observed.get(g)]
        assert len(differ) <= 1, f"groups differ from the acknowledged state: {differ[:5]}"
        for g in differ:
            if g not in model:
                assert observed[g] == f"new-{g}"  # an insert in flight
            elif g in observed:
                assert observed[g].startswith(f"re-{g}-")  # an update in flight
        # The indexes answer like a scan.
        for g in list(observed)[:25]:
            assert "index on grp" in t.where(f"grp = {g}").explain()
            assert t.where(f"grp = {g}").count() == sizes[g]
            label = observed[g]
            assert t.where(f"label = '{label}'").count() == sum(1 for r in rows if r["label"] == label)
        assert t.where("grp >= 0").count() == len(rows)
        check_vector_index(t)
        check_spatial_index(t)
        t.verify()  # every index, the cloud index among them, against every row
        return observed


def check_vector_index(t):
    """The vector index holds exactly the table's rows (no ghost, none
    missing), each at its current vector."""
    hnsw = [ix for ix in t.indexes if ix.kind == "hnsw"]
    if not hnsw:
        return
    data = t.select("_id", "emb").to_numpy()
    assert hnsw[0].rows == len(data["_id"])
    if not len(data["_id"]):
        return
    keys, _ = t.knn(np.zeros((1, 8), np.float32), len(data["_id"]))
    assert sorted(keys[0].tolist()) == sorted(data["_id"].tolist())
    for i in range(0, len(data["_id"]), max(1, len(data["_id"]) // 20)):
        _, dist = t.knn(data["emb"][i], 1, where=f"_id = {data['_id'][i]}")
        assert dist[0, 0] == 0, "the index holds the row's current vector"


def check_spatial_index(t):
    """The spatial index holds exactly the table's rows, each at its
    current point."""
    spatial = [ix for ix in t.indexes if ix.kind == "spatial" and ix.column == "pos"]
    if not spatial:
        return
    data = t.select("_id", "pos").to_numpy()
    assert spatial[0].rows == len(data["_id"])
    everything = t.in_box([-1, -1, -1], [101, 101, 101]).select("_id").to_numpy()["_id"]
    assert sorted(everything.tolist()) == sorted(data["_id"].tolist())
    for i in range(0, len(data["_id"]), max(1, len(data["_id"]) // 20)):
        hit = t.near(data["pos"][i], k=1, column="pos").where(f"_id = {data['_id'][i]}").to_list()
        assert hit[0]["_distance"] == 0, "the index holds the row's current point"


def test_sigkill_keeps_transactions_whole_and_indexes_exact(tmp_path):
    path = str(tmp_path / "db")
    rng = random.Random(42)
    model = {}  # group -> label, as acknowledged
    acknowledged = 0
    columnar_runs = 0
    for round_no in range(8):
        lines = [line.split(" ") for line in
                 run_and_kill(WRITER, path, round_no, rng.randrange(1 << 30), rng.uniform(0.8, 1.6))]
        acknowledged += len(lines)
        for parts in lines:
            g = int(parts[1])
            if parts[0] == "G":
                model[g] = f"new-{g}"
            elif parts[0] == "U":
                model[g] = parts[2]
            else:
                del model[g]
        # The outcome of the transaction in flight is now part of the history.
        model = observe_and_check(path, model)
        columnar_runs += columnar_runs_read(path)
    assert acknowledged > 20, "the writer acknowledged too little to test anything"
    # The kills came while compactions rewrote rows into columnar blocks
    # (they run all along with these small memtables and files).
    assert columnar_runs > 0, "no compaction wrote columnar blocks: the test did not cover them"


def columnar_runs_read(path):
    """How many runs of columnar blocks a full scan of the table reads."""
    with embodb.connect(path) as db:
        text = db["t"].query().select("grp").explain(analyze=True)
    return int(text.split(" columnar block runs read")[0].split()[-1])


def test_large_transactions_are_ingested(tmp_path):
    """The odd rounds above exercise bulk ingestion only if transactions of
    that size really take that path."""
    with embodb.connect(str(tmp_path / "db"), min_ingest_batch_size=8 << 10) as db:
        t = db.create_table("t", {"grp": "int64", "label": "string", "emb": embodb.vector(8)})
        t.create_index("grp")
        with db.transaction() as tx:
            tx["t"].insert({"grp": [1] * 200, "label": ["x"] * 200, "emb": [[0.5] * 8] * 200})
        assert db.stats()["num_ingests"] == 1
        assert t.where("grp = 1").count() == 200
