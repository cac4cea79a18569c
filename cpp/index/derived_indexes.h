// DerivedIndexes: the derived indexes of an open database, of every kind
// (index/registry.h). It creates them (building each from the table's
// rows), loads them at open (from their checkpoint files, replaying the
// change feed past what they cover; a missing, damaged or unreadable file is
// rebuilt, since an index is derived data), checkpoints them at close,
// verifies them against their tables and deletes them when dropped.
//
// Checkpoint files are <kind's prefix><index id><kind's suffix> in the
// database directory (vector-<id>.hnsw: docs/format/hnsw.md).
//
// Checkpoints are also taken in the background: a thread looks every
// kPollMillis and saves each index never saved (a fresh build, saved there
// rather than before create_index returns) and each index whose feed has
// moved checkpoint_after records past its last checkpoint. So a reopen after a crash replays, per
// index, at most checkpoint_after records plus those written in one poll
// interval and during one save. A save holds the index's read lock, so the
// table's writers wait for it (about a second per GB of index).
//
// Thread safety: thread-safe. Create and Drop are serialized with each other.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "catalog/catalog.h"
#include "index/derived_index.h"
#include "index/registry.h"
#include "txn/txn_manager.h"

namespace embodb::index {

class DerivedIndexes {
 public:
  // Called between chunks of a build with the rows done and the total (0
  // when the caller did not ask for it to be counted: that takes a pass
  // over the table's keys); returning false stops the build (Status
  // Aborted).
  using Progress = std::function<bool(size_t done, size_t total)>;

  // Feed records past its last checkpoint at which an index is saved again.
  static constexpr uint64_t kCheckpointAfter = uint64_t{1} << 20;
  static constexpr int kPollMillis = 100;

  DerivedIndexes(Env* env, std::string dir, catalog::Catalog* catalog, txn::TxnManager* txns,
                 uint64_t checkpoint_after = kCheckpointAfter);
  ~DerivedIndexes();

  // Loads or builds every derived index in the catalog and attaches it.
  // NotSupported for an index of a kind this build does not know.
  Status OpenAll(const Progress& progress = nullptr);
  // Declares, builds, checkpoints and attaches an index of `kind` on a
  // column, with the options by name; a failed or stopped build leaves no
  // index behind. InvalidArgument for an unknown kind or bad options;
  // SchemaError for a column that is missing, of a type the kind does not
  // take, or indexed by the kind already.
  Result<std::shared_ptr<DerivedIndex>> Create(const std::string& table, const std::string& column,
                                               const std::string& kind, const Params& params,
                                               const Progress& progress = nullptr, bool count_total = true);
  // NotFound when the column has no index of that kind.
  Status Drop(const std::string& table, const std::string& column, const std::string& kind);
  // After a table was dropped: forgets its indexes and deletes their files.
  void ForgetTable(uint32_t table_id);

  // The index of `kind` on a column of a table, or nullptr.
  std::shared_ptr<DerivedIndex> Find(uint32_t table_id, std::string_view column, std::string_view kind) const;

  // Checks every derived index of the table against its rows (each holds
  // its read lock meanwhile, so writes to the table wait). Corruption
  // naming the first difference.
  Status Verify(const table::TableDef& table);

  // Writes a checkpoint of every index that changed since its last one (the
  // feed records they cover can then be dropped).
  Status CheckpointAll();
  // Checkpoints (unless told not to: tests of crashes) and detaches every
  // index. Later calls do nothing.
  Status Close(bool checkpoint = true);

  // The checkpoint file of an index.
  std::string PathOf(const table::DerivedIndexDef& def) const;

 private:
  // Loads the index of def from its file, or builds it; then attaches it.
  Result<std::shared_ptr<DerivedIndex>> Open(const table::TableDef& table, const table::DerivedIndexDef& def,
                                             bool build, const Progress& progress, bool count_total = true);
  Status Build(const table::TableDef& table, DerivedIndex* index, uint64_t* covered, const Progress& progress,
               bool count_total);
  // Hands every row of the table to a loaded index that asked for them.
  Status FillFromRows(const table::TableDef& table, DerivedIndex* index);
  Status Checkpoint(DerivedIndex* index);
  // Deletes checkpoint files of indexes the catalog does not hold.
  void DeleteStrayFiles();
  // The background checkpoints (see above), until Close.
  void CheckpointThread();
  // Saves every index whose feed moved at least `after` records past its
  // last checkpoint.
  Status CheckpointIfBehind(uint64_t after);

  Env* const env_;
  const std::string dir_;
  catalog::Catalog* const catalog_;
  txn::TxnManager* const txns_;
  std::mutex create_mu_;  // serializes Create and Drop
  mutable std::mutex mu_;  // guards indexes_
  std::map<uint32_t, std::shared_ptr<DerivedIndex>> indexes_;  // by index id
  bool closed_ = false;
  const uint64_t checkpoint_after_;
  std::mutex thread_mu_;  // guards stopping_
  std::condition_variable thread_cv_;
  bool stopping_ = false;
  std::thread checkpointer_;
};

}  // namespace embodb::index
