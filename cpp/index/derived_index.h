// DerivedIndex: an index kept in memory beside a table (vector, spatial,
// text, ...) and kept exact by the table's change feed (catalog/
// change_feed.h). Every kind implements this interface and registers itself
// by name (index/registry.h); DerivedIndexes (index/derived_indexes.h)
// builds, loads, checkpoints, verifies and drops indexes of any kind through
// it, and nothing above this layer needs to know a kind's code.
//
// Layering: this interface and each kind's table adapter read table rows,
// so they sit above catalog/ and table/; the kinds' kernels (the HNSW graph
// in index/vector/, ...) depend on util/ and env/ only.
//
// The life of an index:
//   - built: AddRows with the table's rows a chunk at a time (before it is
//     attached to the feed, so no lock is needed against writes), then
//     FinishBuild; or loaded by its kind from its checkpoint file, then, if
//     NeedsRows, FillFromRows with the table's rows;
//   - attached to the feed, which replays the records past covered() and
//     then sends every commit's changes (FeedConsumer::Apply), bracketed by
//     BeginCommit / EndCommit so that readers holding ReadLock see the
//     index agree with the table's latest state;
//   - saved (Save, under ReadLock) to its file, which records covered().
//
// Thread safety: as the kind documents; ReadLock excludes Apply.
#pragma once

#include <atomic>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/change_feed.h"
#include "table/value.h"

namespace embodb {
class Env;
}

namespace embodb::index {

// Options of an index by name, as a user gives them (create_index(...,
// metric="cosine")) and as an index reports them.
using Params = std::vector<std::pair<std::string, table::Value>>;

// Checks an index against its table's rows (DerivedIndex::StartVerify).
class RowVerifier {
 public:
  virtual ~RowVerifier() = default;
  // One row of the table: its encoded primary key and encoded row.
  virtual Status Row(std::string_view key, std::string_view row) = 0;
  // After every row: what the index holds beyond the rows.
  virtual Status Finish() = 0;
};

class DerivedIndex : public catalog::FeedConsumer {
 public:
  DerivedIndex(uint32_t table_id, table::DerivedIndexDef def) : table_id_(table_id), def_(std::move(def)) {}
  ~DerivedIndex() override = default;

  uint32_t table_id() const { return table_id_; }
  const table::DerivedIndexDef& def() const { return def_; }
  uint32_t index_id() const { return def_.id; }
  const std::string& kind() const { return def_.kind; }
  const std::string& column_name() const { return def_.column; }

  // The feed number the index covers (a build sets it before attaching).
  uint64_t covered() const { return covered_; }
  void StartAt(uint64_t covered) { covered_ = covered; }
  // The feed number its last checkpoint covers (UINT64_MAX: none yet).
  uint64_t saved() const { return saved_; }
  void MarkSaved(uint64_t covered) { saved_ = covered; }

  // Readers, Save and verification hold this; Apply is excluded meanwhile.
  virtual std::shared_lock<std::shared_mutex> ReadLock() const = 0;
  // The first failure of Apply: the index no longer agrees with its table,
  // and every use reports this.
  virtual Status health() const = 0;

  // A build: rows of the table (distinct keys, none in the index yet).
  // InvalidArgument naming a row the index cannot hold; Corruption for a
  // row that does not decode.
  virtual Status AddRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) = 0;
  virtual void FinishBuild() {}
  // After a load: whether the index needs every row of the table
  // (FillFromRows, a chunk at a time) before the feed is replayed.
  virtual bool NeedsRows() const { return false; }
  virtual Status FillFromRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) {
    return Status::OK();
  }

  // Writes the checkpoint (through a temporary file, synced and renamed),
  // recording covered(). REQUIRES: ReadLock held, and every change applied
  // made durable (ChangeFeed::SyncBeforeCheckpoint).
  virtual Status Save(Env* env, const std::string& path) const = 0;

  // A verifier of the index against the table's rows. REQUIRES: ReadLock
  // held from before the snapshot the rows are read from until Finish.
  virtual std::unique_ptr<RowVerifier> StartVerify() const = 0;

  // Rows indexed, memory used, and the options (with anything else worth
  // showing) by name. REQUIRES: ReadLock held.
  virtual size_t rows() const = 0;
  virtual size_t MemoryBytes() const = 0;
  virtual Params Info() const = 0;

 private:
  const uint32_t table_id_;
  const table::DerivedIndexDef def_;

 protected:
  std::atomic<uint64_t> covered_{0};
  std::atomic<uint64_t> saved_{UINT64_MAX};
};

}  // namespace embodb::index
