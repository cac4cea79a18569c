"""Random operations on a table with secondary indexes compared with a plain
Python model: inserts (duplicates raise and write nothing), upserts, updates
and deletes by filter or key, transactions that commit, roll back or lose a
conflict, snapshots that must not change, past moments read back with as_of, and
close/reopen."""

import shutil
import tempfile
import time

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import embodb
from embodb.errors import ConflictError, DuplicateKeyError

IDS = st.integers(0, 30)
ROW = st.fixed_dictionaries({
    "ep": st.one_of(st.none(), st.integers(0, 6)),
    "label": st.one_of(st.none(), st.sampled_from(["a", "ab", "b", "c"])),
    "x": st.one_of(st.none(), st.sampled_from([-1.0, 0.0, 0.25, 0.5, 2.0])),
})
ROWS = st.lists(st.tuples(IDS, ROW), min_size=1, max_size=6)

# Filters and the same condition in Python (None is SQL's NULL: never matches).
FILTERS = {
    "ep = 3": lambda r: r["ep"] == 3,
    "ep >= 4": lambda r: r["ep"] is not None and r["ep"] >= 4,
    "ep IN (1, 2)": lambda r: r["ep"] in (1, 2),
    "label = 'ab'": lambda r: r["label"] == "ab",
    "label IS NULL": lambda r: r["label"] is None,
    "label LIKE 'a%'": lambda r: r["label"] is not None and r["label"].startswith("a"),
    "x < 0.5 AND ep IS NOT NULL": lambda r: r["x"] is not None and r["x"] < 0.5 and r["ep"] is not None,
    "id < 10 OR label = 'c'": lambda r: r["id"] < 10 or r["label"] == "c",
    "id BETWEEN 5 AND 15": lambda r: 5 <= r["id"] <= 15,
}
UPDATES = st.fixed_dictionaries({}, optional={"ep": st.one_of(st.none(), st.integers(0, 6)),
                                              "label": st.sampled_from(["a", "b", "zz"]),
                                              "x": st.sampled_from([1.5, -3.0])}).filter(bool)


def rows_of(table):
    return {r["id"]: {k: r[k] for k in ("ep", "label", "x")} for r in table.to_list()}


class TableMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="embodb_tsm_")
        self.path = self.dir + "/db"
        self.db = embodb.connect(self.path, durability="off", write_buffer_size=64 << 10, history="1h")
        t = self.db.create_table("t", {"id": "int64", "ep": "int32", "label": "string", "x": "float64"},
                                 primary_key="id")
        t.create_index("ep")
        t.create_index("label")
        self.model = {}
        self.snapshots = []  # (snapshot, model copy)
        self.moments = []  # (time, model copy): read back with as_of, across reopen too

    def teardown(self):
        for snap, _ in self.snapshots:
            snap.close()
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def table(self):
        return self.db["t"]

    @staticmethod
    def _apply(model, op):
        kind, arg = op
        if kind == "upsert":
            for i, row in arg:
                model[i] = dict(row)
        elif kind == "update":
            values, where = arg
            for i, row in model.items():
                if FILTERS[where](dict(row, id=i)):
                    row.update(values)
        elif kind == "delete_where":
            for i in [i for i, row in model.items() if FILTERS[arg](dict(row, id=i))]:
                del model[i]
        elif kind == "delete_keys":
            for i in arg:
                model.pop(i, None)

    @staticmethod
    def _run(table, op):
        kind, arg = op
        if kind == "upsert":
            table.upsert([dict(row, id=i) for i, row in arg])
        elif kind == "update":
            table.update(arg[0], where=arg[1])
        elif kind == "delete_where":
            table.delete(where=arg)
        elif kind == "delete_keys":
            table.delete(arg)

    OPS = st.one_of(
        st.tuples(st.just("upsert"), ROWS),
        st.tuples(st.just("update"), st.tuples(UPDATES, st.sampled_from(sorted(FILTERS)))),
        st.tuples(st.just("delete_where"), st.sampled_from(sorted(FILTERS))),
        st.tuples(st.just("delete_keys"), st.lists(IDS, min_size=1, max_size=4)),
    )

    @rule(rows=ROWS)
    def insert(self, rows):
        ids = [i for i, _ in rows]
        duplicate = len(set(ids)) < len(ids) or any(i in self.model for i in ids)
        try:
            self.table.insert([dict(row, id=i) for i, row in rows])
            assert not duplicate
            self._apply(self.model, ("upsert", rows))
        except DuplicateKeyError:
            assert duplicate

    @rule(op=OPS)
    def single_call(self, op):
        self._run(self.table, op)
        self._apply(self.model, op)

    @rule(ops=st.lists(OPS, min_size=1, max_size=4), commit=st.booleans())
    def transaction(self, ops, commit):
        expected = {i: dict(r) for i, r in self.model.items()}
        try:
            with self.db.transaction() as tx:
                for op in ops:
                    self._run(tx["t"], op)
                    self._apply(expected, op)
                assert rows_of(tx["t"]) == expected  # reads see the transaction's writes
                if not commit:
                    raise KeyboardInterrupt  # any exception rolls back
        except KeyboardInterrupt:
            return
        self.model = expected

    @rule(i=IDS, row=ROW, other=ROW)
    def lost_conflict(self, i, row, other):
        tx = self.db.transaction()
        tx["t"].upsert(dict(row, id=i))
        self.table.upsert(dict(other, id=i))  # commits first
        self.model[i] = dict(other)
        try:
            tx.commit()
            raise AssertionError("the second writer of a row must conflict")
        except ConflictError:
            pass

    @precondition(lambda self: len(self.snapshots) < 3)
    @rule()
    def snapshot(self):
        self.snapshots.append((self.db.snapshot(), {i: dict(r) for i, r in self.model.items()}))

    @precondition(lambda self: len(self.moments) < 3)
    @rule()
    def remember_moment(self):
        time.sleep(0.002)  # apart from the writes around it by more than the clock's 1 ms
        self.moments.append((time.time(), {i: dict(r) for i, r in self.model.items()}))
        time.sleep(0.002)

    @rule()
    def reopen(self):
        for snap, _ in self.snapshots:
            snap.close()
        self.snapshots = []
        self.db.close()
        self.db = embodb.connect(self.path, durability="off", write_buffer_size=64 << 10, history="1h")

    @invariant()
    def table_matches_model(self):
        assert rows_of(self.table) == self.model
        self.table.verify()  # its indexes agree with its rows
        for where, pred in FILTERS.items():
            got = sorted(r["id"] for r in self.table.where(where).select("id").to_list())
            assert got == sorted(i for i, r in self.model.items() if pred(dict(r, id=i))), where

    @invariant()
    def snapshots_do_not_change(self):
        for snap, frozen in self.snapshots:
            assert rows_of(snap["t"]) == frozen
            got = sorted(r["id"] for r in snap["t"].where("ep >= 4").to_list())
            assert got == sorted(i for i, r in frozen.items() if FILTERS["ep >= 4"](dict(r, id=i)))


    @invariant()
    def the_past_does_not_change(self):
        for moment, frozen in self.moments:
            past = self.table.as_of(moment)
            assert rows_of(past) == frozen
            for where in ("label = 'ab'", "ep >= 4"):
                got = sorted(r["id"] for r in past.where(where).select("id").to_list())
                assert got == sorted(i for i, r in frozen.items() if FILTERS[where](dict(r, id=i))), where


TableMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
test_table_state_machine = TableMachine.TestCase
