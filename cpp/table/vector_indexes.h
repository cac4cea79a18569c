// VectorIndexes: the vector indexes of an open database. It creates them
// (building the graph from the table's rows), loads them at open (from
// their checkpoint files, replaying the change feed past what they cover;
// a missing or damaged file is rebuilt from the table, since an index is
// derived data), checkpoints them at close and deletes them when dropped.
//
// Checkpoint files are `vector-<index id>.hnsw` in the database directory
// (docs/format/hnsw.md).
//
// Thread safety: thread-safe. Create and Drop are serialized with each other.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "catalog/catalog.h"
#include "table/vector_index.h"
#include "txn/txn_manager.h"

namespace embodb::table {

class VectorIndexes {
 public:
  // Called between chunks of a build with the rows done and the total;
  // returning false stops the build (Status Aborted).
  using Progress = std::function<bool(size_t done, size_t total)>;

  VectorIndexes(Env* env, std::string dir, catalog::Catalog* catalog, txn::TxnManager* txns);
  ~VectorIndexes();

  // Loads or builds every vector index in the catalog and attaches it.
  Status OpenAll(const Progress& progress = nullptr);
  // Declares, builds, checkpoints and attaches an index on a vector column;
  // a failed or stopped build leaves no index behind. SchemaError for a
  // column that is missing or not a vector, or that has an index already.
  Result<std::shared_ptr<VectorIndex>> Create(const std::string& table, const std::string& column,
                                              const VectorIndexOptions& options, const Progress& progress = nullptr);
  // NotFound when the column has no vector index.
  Status Drop(const std::string& table, const std::string& column);
  // After a table was dropped: forgets its indexes and deletes their files.
  void ForgetTable(uint32_t table_id);

  // The index on a column of a table, or nullptr.
  std::shared_ptr<VectorIndex> Find(uint32_t table_id, std::string_view column) const;

  // Checks every vector index of the table against its rows (VectorIndex::
  // VerifyRow). Blocks writes to the table while it runs. Corruption
  // naming the first difference.
  Status Verify(const catalog::TableDef& table);

  // Writes a checkpoint of every index (the feed records they cover can
  // then be dropped).
  Status CheckpointAll();
  // Checkpoints (unless told not to: tests of crashes) and detaches every
  // index. Later calls do nothing.
  Status Close(bool checkpoint = true);

  std::string PathOf(uint32_t index_id) const;

 private:
  // Loads the index of def from its file, or builds it; then attaches it.
  Result<std::shared_ptr<VectorIndex>> Open(const catalog::TableDef& table, const catalog::DerivedIndexDef& def,
                                            bool build, const Progress& progress);
  Status Build(const catalog::TableDef& table, VectorIndex* index, uint64_t* covered, const Progress& progress);
  // Reads the node attributes of a loaded index whose checkpoint lacked them.
  Status FillAttributes(const catalog::TableDef& table, VectorIndex* index);
  Status Checkpoint(VectorIndex* index);
  // Deletes checkpoint files of indexes the catalog does not hold.
  void DeleteStrayFiles();

  Env* const env_;
  const std::string dir_;
  catalog::Catalog* const catalog_;
  txn::TxnManager* const txns_;
  std::mutex create_mu_;  // serializes Create and Drop
  mutable std::mutex mu_;  // guards indexes_
  std::map<uint32_t, std::shared_ptr<VectorIndex>> indexes_;  // by index id
  bool closed_ = false;
};

}  // namespace embodb::table
