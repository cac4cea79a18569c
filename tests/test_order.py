"""order_by in the core, against a reference written in Python: nulls
last, NaN above every number (first when descending), ties in primary-key
order; the top-k path (a small limit) and the whole sort alike."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import embodb

ROW = st.tuples(
    st.one_of(st.none(), st.floats(allow_infinity=True, allow_nan=True, width=64)),
    st.one_of(st.none(), st.integers(-5, 5)),
    st.one_of(st.none(), st.sampled_from(["", "a", "ab", "b", "mug", "é"])),
)


def reference(ids, values, descending):
    """The ids in the documented order."""
    present = [(i, v) for i, v in zip(ids, values) if v is not None]
    nulls = [i for i, v in zip(ids, values) if v is None]

    def key(item):
        v = item[1]
        if isinstance(v, float):
            return (math.isnan(v), 0.0 if math.isnan(v) else v)
        return v

    ordered = sorted(present, key=key, reverse=descending)  # stable: ties keep id order
    return [i for i, _ in ordered] + nulls


@settings(max_examples=120, deadline=None)
@given(st.lists(ROW, max_size=60), st.sampled_from(["f", "n", "s", "id"]), st.booleans(),
       st.integers(0, 5), st.one_of(st.none(), st.integers(0, 12)), st.booleans())
def test_order_matches_the_reference(rows, column, descending, offset, limit, filtered):
    db = embodb.connect(":memory:")
    t = db.create_table("t", {"id": "int64", "f": "float64", "n": "int32", "s": "string"}, primary_key="id")
    ids = list(range(len(rows)))
    if rows:
        t.insert([{"id": i, "f": f, "n": n, "s": s} for i, (f, n, s) in zip(ids, rows)])
    values = {"id": ids, "f": [r[0] for r in rows], "n": [r[1] for r in rows], "s": [r[2] for r in rows]}[column]
    keep = [i % 3 != 1 for i in ids] if filtered else [True] * len(ids)
    kept_ids = [i for i, k in zip(ids, keep) if k]
    kept_values = [v for v, k in zip(values, keep) if k]
    want = reference(kept_ids, kept_values, descending)
    want = want[offset:] if limit is None else want[offset:offset + limit]
    q = t.query()
    if filtered:
        q = q.where("id % 3 != 1")
    q = q.order_by(column, descending=descending).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    got = q.select("id").to_numpy()["id"].tolist()
    assert got == want
    db.close()


def test_latest_row_is_found_by_a_top_k(tmp_path):
    db = embodb.connect(str(tmp_path / "db"))
    t = db.create_table("frames", {"id": "int64", "ts": "timestamp", "emb": embodb.vector(64)}, primary_key="id")
    n = 9000
    ts = np.arange(n, dtype=np.int64) * 50_000_000
    rng = np.random.default_rng(0)
    perm = rng.permutation(n)
    t.insert({"id": np.arange(n), "ts": ts[perm], "emb": rng.standard_normal((n, 64)).astype(np.float32)})
    latest = t.query().order_by("ts", descending=True).limit(1)
    got = latest.to_numpy()
    assert got["id"].tolist() == [int(np.argmax(ts[perm]))]
    assert got["emb"].shape == (1, 64)
    assert "top-k" in latest.explain()
    db.close()
