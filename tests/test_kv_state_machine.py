"""Random operations on db.kv compared with a dict, including snapshots,
flushes, compactions and close/reopen."""

import shutil
import tempfile

import hypothesis.strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, precondition, rule

import embodb

KEYS = st.binary(min_size=0, max_size=6).map(lambda b: b"k" + b)
# Mostly small values, sometimes large enough for blob files.
VALUES = st.one_of(
    st.binary(max_size=40),
    st.integers(min_value=0, max_value=255).map(lambda b: bytes([b]) * 5000),
)


class KvMachine(RuleBasedStateMachine):
    snapshots = Bundle("snapshots")

    def __init__(self):
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="embodb_sm_")
        self.path = self.dir + "/db"
        # Tiny buffers so that flushes, compactions and blob files all happen.
        self.options = dict(durability="off", write_buffer_size=64 << 10, min_blob_size=1024,
                            target_file_size=64 << 10)
        self.db = embodb.connect(self.path, **self.options)
        self.model = {}
        self.open_snapshots = []

    def teardown(self):
        for snap, _ in self.open_snapshots:
            snap.close()
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(key=KEYS, value=VALUES)
    def put(self, key, value):
        self.db.kv.put(key, value)
        self.model[key] = value

    @rule(key=KEYS)
    def delete(self, key):
        self.db.kv.delete(key)
        self.model.pop(key, None)

    @rule(ops=st.lists(st.tuples(st.booleans(), KEYS, VALUES), max_size=20), fail=st.booleans())
    def batch(self, ops, fail):
        try:
            with self.db.kv.batch() as b:
                for is_put, key, value in ops:
                    if is_put:
                        b.put(key, value)
                    else:
                        b.delete(key)
                if fail:
                    raise ValueError("abandon the batch")
        except ValueError:
            return
        for is_put, key, value in ops:
            if is_put:
                self.model[key] = value
            else:
                self.model.pop(key, None)

    @rule(keys=st.lists(KEYS, max_size=10))
    def get_many(self, keys):
        assert self.db.kv.get_many(keys) == [self.model.get(k) for k in keys]

    @rule(target=snapshots)
    def take_snapshot(self):
        snap = self.db.snapshot()
        entry = (snap, dict(self.model))
        self.open_snapshots.append(entry)
        return entry

    @rule(entry=snapshots, key=KEYS)
    def read_snapshot(self, entry, key):
        snap, frozen = entry
        if snap._seq is None:
            return
        assert snap.kv.get(key) == frozen.get(key)

    @rule(entry=consumes(snapshots))
    def scan_and_close_snapshot(self, entry):
        snap, frozen = entry
        if snap._seq is None:
            return
        assert dict(snap.kv.scan()) == frozen
        snap.close()

    @rule()
    def flush(self):
        self.db.flush()

    @rule()
    def compact(self):
        self.db.compact()

    @precondition(lambda self: True)
    @rule()
    def reopen(self):
        for snap, _ in self.open_snapshots:
            snap.close()
        self.open_snapshots.clear()
        self.db.close()
        self.db = embodb.connect(self.path, **self.options)

    @rule(start=KEYS, end=KEYS, reverse=st.booleans())
    def scan_range(self, start, end, reverse):
        got = [k for k, _ in self.db.kv.scan(start=start, end=end, reverse=reverse)]
        want = sorted(k for k in self.model if start <= k < end)
        assert got == (want[::-1] if reverse else want)

    @invariant()
    def full_scan_matches(self):
        assert dict(self.db.kv.scan()) == self.model


TestKvStateMachine = KvMachine.TestCase
