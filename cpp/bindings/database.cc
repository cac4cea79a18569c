#include "bindings/database.h"

#include <pybind11/stl.h>

#include <pthread.h>

#include "bindings/errors.h"
#include "table/keyspace.h"

namespace py = pybind11;

namespace embodb::bindings {

namespace {

std::atomic<uint64_t> fork_generation{0};

void AfterForkInChild() { fork_generation.fetch_add(1); }

}  // namespace

uint64_t ForkGeneration() {
  static const bool registered = pthread_atfork(nullptr, nullptr, &AfterForkInChild) == 0;
  (void)registered;
  return fork_generation.load(std::memory_order_relaxed);
}

lsm::DB& DbHandle::Db() const {
  if (fork_generation != ForkGeneration()) {
    throw StatusError(Status::Aborted(
        "the database was opened by the parent of this process: after fork() a child cannot use it "
        "(its engine threads and locks stayed in the parent); open it in the child instead, once the "
        "parent closed it"));
  }
  if (closed.load() || !db) ThrowClosed("the database");
  return *db;
}

DbHandle::~DbHandle() {
  if (fork_generation == ForkGeneration()) return;  // the members close it, in order
  // A child's copy: its destructors would join threads that do not exist
  // here and write files the parent still writes. Left as it is.
  (void)indexes.release();
  (void)catalog.release();
  (void)txns.release();
  (void)kv.release();
  (void)db.release();
  (void)feed_trim.release();
  (void)row_codec.release();
  (void)table_defs.release();
  (void)mem_env.release();
}

lsm::Durability ParseDurability(const std::string& s) {
  if (s == "sync") return lsm::Durability::kSync;
  if (s == "group") return lsm::Durability::kGroup;
  if (s == "periodic") return lsm::Durability::kPeriodic;
  if (s == "off") return lsm::Durability::kOff;
  throw StatusError(Status::InvalidArgument(
      "durability must be one of 'sync', 'group', 'periodic', 'off'", "got '" + s + "'"));
}

lsm::WriteOptions MakeWriteOptions(const std::optional<std::string>& durability) {
  lsm::WriteOptions wo;
  if (durability) wo.durability = ParseDurability(*durability);
  return wo;
}

lsm::ReadOptions MakeReadOptions(std::optional<uint64_t> snapshot) {
  lsm::ReadOptions ro;
  ro.snapshot = snapshot;
  return ro;
}

// An integer option in [min, max]; InvalidInputError naming it otherwise
// (a float, a bool, a value past the range, even one past 64 bits).
static uint64_t IntOption(const py::handle& v, const std::string& name, uint64_t min, uint64_t max) {
  // Python and NumPy integers (anything with __index__), not bools or floats.
  PyObject* index = py::isinstance<py::bool_>(v) || PyBool_Check(v.ptr()) ? nullptr : PyNumber_Index(v.ptr());
  if (index == nullptr) {
    PyErr_Clear();
    throw StatusError(Status::InvalidArgument(name + " must be an integer, not " +
                                              std::string(py::str(py::type::handle_of(v).attr("__name__")))));
  }
  const py::int_ i = py::reinterpret_steal<py::int_>(index);
  const auto range = [&] {
    return StatusError(Status::InvalidArgument(name + " must be between " + std::to_string(min) + " and " +
                                               std::to_string(max) + ", not " + std::string(py::str(i))));
  };
  if (py::int_(0).attr("__gt__")(i).cast<bool>()) throw range();  // negative
  uint64_t x;
  try {
    x = i.cast<uint64_t>();
  } catch (const py::cast_error&) {
    throw range();
  }
  if (x < min || x > max) throw range();
  return x;
}

// History windows longer than a century are surely a mistake (and their
// nanoseconds would not fit the clock's arithmetic).
static constexpr uint64_t kMaxHistoryMicros = 100ull * 366 * 24 * 3600 * 1000000;

static lsm::Options ParseOptions(const py::dict& opts) {
  lsm::Options o;
  for (auto item : opts) {
    const std::string key = py::str(item.first);
    const py::handle v = item.second;
    if (v.is_none()) continue;
    constexpr uint64_t kBig = UINT64_MAX >> 1;
    constexpr uint64_t kMs = UINT32_MAX;
    if (key == "durability") o.durability = ParseDurability(py::str(v));
    else if (key == "memory_budget") o.memory_budget = IntOption(v, key, 0, kBig);
    else if (key == "write_buffer_size") o.write_buffer_size = IntOption(v, key, 64 << 10, kBig);
    else if (key == "block_cache_size") o.block_cache_size = IntOption(v, key, 0, kBig);
    else if (key == "min_blob_size") o.min_blob_size = IntOption(v, key, 1, kBig);
    else if (key == "blob_file_merge_size") o.blob_file_merge_size = IntOption(v, key, 0, kBig);
    else if (key == "min_ingest_batch_size") o.min_ingest_batch_size = IntOption(v, key, 0, kBig);
    else if (key == "history_micros") o.history_micros = IntOption(v, "history (in microseconds)", 0, kMaxHistoryMicros);
    else if (key == "target_file_size") o.target_file_size = IntOption(v, key, 64 << 10, kBig);
    else if (key == "compaction_threads") {
      o.compaction_threads = static_cast<int>(IntOption(v, key, 0, lsm::Options::kMaxCompactionThreads));
    } else if (key == "group_commit_interval_ms") o.group_commit_interval_ms = static_cast<uint32_t>(IntOption(v, key, 1, kMs));
    else if (key == "periodic_sync_interval_ms") o.periodic_sync_interval_ms = static_cast<uint32_t>(IntOption(v, key, 1, kMs));
    else if (key == "zstd_level") o.table.zstd_level = static_cast<int>(IntOption(v, key, 0, lsm::Options::kMaxZstdLevel));
    else if (key == "create_if_missing") o.create_if_missing = v.cast<bool>();
    else if (key == "error_if_exists") o.error_if_exists = v.cast<bool>();
    else throw StatusError(Status::InvalidArgument("unknown option '" + key + "'"));
  }
  return o;
}

static HandlePtr Open(const std::string& path, const py::dict& opts) {
  lsm::Options options = ParseOptions(opts);
  options.clock_key_prefix = table::ClockKeyPrefix();
  auto h = std::make_shared<DbHandle>();
  h->feed_trim = std::make_unique<catalog::FeedTrim>();
  options.compaction_filter = h->feed_trim.get();
  h->table_defs = std::make_unique<table::TableDefsById>();
  h->row_codec = std::make_unique<columnar::RowBlockCodec>(h->table_defs.get());
  options.table.value_codec = h->row_codec.get();
  std::string name = path;
  if (path == ":memory:") {
    h->mem_env = NewMemEnv();
    options.env = h->mem_env.get();
    name = "/memory";
  }
  Status s;
  {
    py::gil_scoped_release release;
    auto db = lsm::DB::Open(options, name);
    s = db.status();
    if (s.ok()) {
      h->db = std::move(db).value();
      h->kv = std::make_unique<catalog::KvSpace>(h->db.get());
      h->txns = std::make_unique<txn::TxnManager>(h->db.get());
      auto catalog = catalog::Catalog::Load(h->txns.get(), h->feed_trim.get(), h->table_defs.get());
      s = catalog.status();
      if (s.ok()) {
        h->catalog = std::move(catalog).value();
        h->indexes = std::make_unique<index::DerivedIndexes>(options.env, h->db->name(), h->catalog.get(),
                                                             h->txns.get());
        s = h->indexes->OpenAll();
      }
      if (!s.ok()) {
        h->indexes.reset();
        h->db->Close().PermitUncheckedError();
      }
    }
  }
  ThrowIfError(s);
  return h;
}

static void Close(const HandlePtr& h) {
  if (h->fork_generation != ForkGeneration()) {
    h->closed.store(true);  // the parent's database: the child only stops using it
    return;
  }
  if (h->closed.exchange(true)) return;
  RunWithoutGil([&] {
    Status s = h->indexes->Close();  // checkpoints
    Status c = h->db->Close();
    return s.ok() ? c : s;
  });
}

static py::dict Stats(const HandlePtr& h) {
  lsm::DbStats s;
  {
    lsm::DB& db = h->Db();
    py::gil_scoped_release release;
    s = db.GetStats();
  }
  py::list levels;
  for (int i = 0; i < lsm::kNumLevels; i++) {
    py::dict l;
    l["level"] = i;
    l["files"] = s.levels[i].files;
    l["bytes"] = s.levels[i].bytes;
    levels.append(l);
  }
  py::dict d;
  d["levels"] = levels;
  d["blob_files"] = s.blob_files;
  d["blob_file_bytes"] = s.blob_file_bytes;
  d["blob_garbage_bytes"] = s.blob_garbage_bytes;
  d["memtable_bytes"] = s.memtable_bytes;
  d["immutable_memtable_bytes"] = s.immutable_memtable_bytes;
  d["last_sequence"] = s.last_sequence;
  d["user_bytes_written"] = s.user_bytes_written;
  d["wal_bytes_written"] = s.wal_bytes_written;
  d["wal_syncs"] = s.wal_syncs;
  d["flush_bytes_written"] = s.flush_bytes_written;
  d["compaction_bytes_read"] = s.compaction_bytes_read;
  d["compaction_bytes_written"] = s.compaction_bytes_written;
  d["write_amplification"] = s.WriteAmplification();
  d["num_flushes"] = s.num_flushes;
  d["ingest_bytes_written"] = s.ingest_bytes_written;
  d["num_ingests"] = s.num_ingests;
  d["num_compactions"] = s.num_compactions;
  d["num_trivial_moves"] = s.num_trivial_moves;
  d["compaction_seconds"] = static_cast<double>(s.compaction_micros) / 1e6;
  d["blobs_relocated"] = s.blobs_relocated;
  d["write_stalls"] = s.write_stalls;
  d["stall_seconds"] = static_cast<double>(s.stall_micros) / 1e6;
  const uint64_t lookups = s.block_cache_hits + s.block_cache_misses;
  d["block_cache_hits"] = s.block_cache_hits;
  d["block_cache_misses"] = s.block_cache_misses;
  d["block_cache_hit_rate"] = lookups ? static_cast<double>(s.block_cache_hits) / static_cast<double>(lookups) : 0.0;
  d["block_cache_usage"] = s.block_cache_usage;
  d["block_cache_capacity"] = s.block_cache_capacity;
  return d;
}

void RegisterDatabase(py::module_& m) {
  py::class_<DbHandle, HandlePtr>(m, "Database")
      .def_static("open", &Open, py::arg("path"), py::arg("options"))
      .def("close", &Close)
      .def_property_readonly("closed", [](const HandlePtr& h) { return h->closed.load(); })
      .def_property_readonly("path", [](const HandlePtr& h) { return h->mem_env ? std::string(":memory:") : h->db->name(); })
      .def("flush", [](const HandlePtr& h) {
        lsm::DB& db = h->Db();
        RunWithoutGil([&] { return db.Flush(); });
      })
      .def("compact", [](const HandlePtr& h) {
        lsm::DB& db = h->Db();
        RunWithoutGil([&] { return db.CompactAll(); });
      })
      .def("sync_wal", [](const HandlePtr& h) {
        lsm::DB& db = h->Db();
        RunWithoutGil([&] { return db.SyncWal(); });
      })
      .def("stats", &Stats)
      .def("acquire_snapshot", [](const HandlePtr& h) { return h->Db().GetSnapshot(); })
      .def("acquire_snapshot_at", [](const HandlePtr& h, uint64_t time_micros) {
        lsm::DB& db = h->Db();
        uint64_t seq = 0;
        RunWithoutGil([&] {
          auto r = db.GetSnapshotAt(time_micros);
          if (r.ok()) seq = *r;
          return r.status();
        });
        return seq;
      })
      .def("release_snapshot", [](const HandlePtr& h, uint64_t seq) {
        if (h->Usable()) h->db->ReleaseSnapshot(seq);
      });
}

}  // namespace embodb::bindings
