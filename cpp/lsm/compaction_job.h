// CompactionJob: executes a Compaction. The merge is split into key ranges
// (subcompactions) that run in parallel with TBB, each writing its own output
// files; no DB mutex is held while it runs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lsm/compaction.h"
#include "lsm/options.h"
#include "lsm/output_files.h"

namespace embodb::lsm {

struct CompactionStats {
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t entries_in = 0;
  uint64_t entries_dropped = 0;
  uint64_t blobs_relocated = 0;
};

class CompactionJob {
 public:
  // Keys for which drop_key returns true are dropped with every version,
  // whatever the snapshots (expired clock ticks, covered feed records).
  using DropKey = std::function<bool(std::string_view user_key)>;
  CompactionJob(const Compaction* c, const Options& options, std::string dbname, TableCache* tables,
                SequenceNumber smallest_snapshot, DropKey drop_key, OutputFiles::NumberAllocator new_number);

  Status Run();
  // Records the result: deleted inputs, new tables and blob files, blob garbage.
  void AddToEdit(VersionEdit* edit) const;
  const CompactionStats& stats() const { return stats_; }
  int num_subcompactions() const { return static_cast<int>(ranges_.size()); }

 private:
  struct Range {
    std::string start, end;  // user keys; empty start/end = unbounded
    bool has_start = false, has_end = false;
  };
  struct SubResult {
    Status status;
    std::unique_ptr<OutputFiles> output;
    std::map<uint64_t, BlobGarbage> garbage;
    CompactionStats stats;
  };

  void PlanRanges(int parallelism);
  void RunRange(const Range& range, SubResult* out);
  std::unique_ptr<Iterator> MakeInputIterator();

  const Compaction* const c_;
  const Options& options_;
  const std::string dbname_;
  TableCache* const tables_;
  const SequenceNumber smallest_snapshot_;
  const DropKey drop_key_;
  OutputFiles::NumberAllocator new_number_;
  std::vector<Range> ranges_;
  std::vector<SubResult> results_;
  CompactionStats stats_;
};

}  // namespace embodb::lsm
