#include "lsm/compaction_job.h"

#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>

#include "lsm/blob/blob_index.h"
#include "lsm/merging_iterator.h"

namespace embodb::lsm {

// Below this much input a compaction is not worth splitting.
static constexpr uint64_t kMinBytesPerSubcompaction = 4ull << 20;

CompactionJob::CompactionJob(const Compaction* c, const Options& options, std::string dbname,
                             TableCache* tables, SequenceNumber smallest_snapshot, DropKey drop_key,
                             OutputFiles::NumberAllocator new_number)
    : c_(c), options_(options), dbname_(std::move(dbname)), tables_(tables),
      smallest_snapshot_(smallest_snapshot), drop_key_(std::move(drop_key)), new_number_(std::move(new_number)) {}

std::unique_ptr<Iterator> CompactionJob::MakeInputIterator() {
  std::vector<std::unique_ptr<Iterator>> iters;
  for (const auto& in : c_->inputs()) {
    if (in.level == 0) {
      for (const auto& f : in.files) iters.push_back(tables_->NewIterator(*f, /*fill_cache=*/false));
    } else {
      iters.push_back(NewLevelIterator(in.files, tables_, /*fill_cache=*/false));
    }
  }
  return NewMergingIterator(std::move(iters));
}

void CompactionJob::PlanRanges(int parallelism) {
  ranges_.clear();
  const uint64_t bytes = c_->InputBytes();
  const int k = static_cast<int>(std::min<uint64_t>(parallelism, std::max<uint64_t>(1, bytes / kMinBytesPerSubcompaction)));
  if (k <= 1) {
    ranges_.push_back(Range{});
    return;
  }
  // Data-block boundaries of every input table sample the key distribution;
  // blocks are of similar size, so equal counts of boundaries are equal work.
  std::vector<std::string> samples;
  for (const auto& in : c_->inputs()) {
    for (const auto& f : in.files) {
      auto table = tables_->FindTable(*f, /*for_lookups=*/false);
      if (!table.ok()) continue;  // the merge will report the error
      auto keys = (*table)->IndexUserKeys();
      samples.insert(samples.end(), std::make_move_iterator(keys.begin()), std::make_move_iterator(keys.end()));
    }
  }
  std::sort(samples.begin(), samples.end());
  samples.erase(std::unique(samples.begin(), samples.end()), samples.end());
  std::vector<std::string> bounds;
  for (int i = 1; i < k; i++) {
    const size_t pos = samples.size() * static_cast<size_t>(i) / static_cast<size_t>(k);
    if (pos < samples.size() && (bounds.empty() || samples[pos] > bounds.back())) bounds.push_back(samples[pos]);
  }
  Range r;
  for (const auto& b : bounds) {
    r.end = b;
    r.has_end = true;
    ranges_.push_back(r);
    r = Range{};
    r.start = b;
    r.has_start = true;
  }
  ranges_.push_back(r);
}

Status CompactionJob::Run() {
  int threads = options_.compaction_threads > 0 ? options_.compaction_threads
                                                : tbb::info::default_concurrency();
  PlanRanges(threads);
  results_.clear();
  results_.resize(ranges_.size());
  if (ranges_.size() == 1) {
    RunRange(ranges_[0], &results_[0]);
  } else {
    tbb::task_arena arena(threads);
    arena.execute([&] {
      tbb::parallel_for(size_t{0}, ranges_.size(), [&](size_t i) { RunRange(ranges_[i], &results_[i]); });
    });
  }
  stats_ = CompactionStats{};
  for (auto& r : results_) {
    if (!r.status.ok()) return r.status;
    stats_.bytes_written += r.output->bytes_written();
    stats_.entries_in += r.stats.entries_in;
    stats_.entries_dropped += r.stats.entries_dropped;
    stats_.blobs_relocated += r.stats.blobs_relocated;
  }
  stats_.bytes_read = c_->InputBytes();
  return Status::OK();
}

void CompactionJob::RunRange(const Range& range, SubResult* out) {
  out->output = std::make_unique<OutputFiles>(options_, dbname_, c_->max_output_file_size(), new_number_);
  auto input = MakeInputIterator();
  if (range.has_start) {
    std::string seek;
    AppendInternalKey(&seek, range.start, kMaxSequenceNumber, kValueTypeForSeek);
    input->Seek(seek);
  } else {
    input->SeekToFirst();
  }
  const auto& blob_files = c_->input_version().blob_files();
  std::string current_user_key;
  bool has_current_user_key = false;
  SequenceNumber last_sequence_for_key = kMaxSequenceNumber;
  std::string relocated;
  Status s;
  for (; s.ok() && input->Valid(); input->Next()) {
    ParsedInternalKey ikey;
    if (!ParseInternalKey(input->key(), &ikey)) {
      s = Status::Corruption("compaction input", "unparsable internal key");
      break;
    }
    if (range.has_end && CompareUserKeys(ikey.user_key, range.end) >= 0) break;
    out->stats.entries_in++;
    if (!has_current_user_key || ikey.user_key != current_user_key) {
      current_user_key.assign(ikey.user_key);
      has_current_user_key = true;
      last_sequence_for_key = kMaxSequenceNumber;
    }
    bool drop = false;
    if (last_sequence_for_key <= smallest_snapshot_) {
      drop = true;  // a newer version of the key is visible to every reader
    } else if (ikey.type == kTypeDeletion && ikey.sequence <= smallest_snapshot_ &&
               c_->IsBaseLevelForKey(ikey.user_key)) {
      drop = true;  // nothing older remains below for the marker to hide
    }
    last_sequence_for_key = ikey.sequence;

    if (!drop && drop_key_ && drop_key_(ikey.user_key)) drop = true;

    std::string_view value = input->value();
    ValueType type = ikey.type;
    blob::BlobIndex index;
    const bool is_blob = type == kTypeBlobIndex;
    if (is_blob) {
      auto decoded = blob::BlobIndex::Decode(value);
      if (!decoded.ok()) {
        s = Status::Corruption("compaction input", "bad blob reference");
        break;
      }
      index = *decoded;
    }
    if (drop) {
      out->stats.entries_dropped++;
      if (is_blob) {
        auto& g = out->garbage[index.file_number];
        g.number = index.file_number;
        g.blob_count++;
        g.blob_bytes += index.record_size;
      }
      continue;
    }
    if (is_blob) {
      auto it = blob_files.find(index.file_number);
      if (index.value_size < options_.MinBlobSize(ikey.user_key) ||
          (it != blob_files.end() && (it->second->GarbageRatio() >= c_->blob_gc_ratio ||
                                      it->second->file_size < c_->blob_merge_size))) {
        // Garbage collection: move the live blob out of a mostly-dead (or a
        // small) file, so that the file can be deleted. A value now kept
        // in the tables (a row of a table, below min_columnar_blob_size)
        // comes back to them.
        auto reader = tables_->FindBlobFile(index.file_number);
        if (!reader.ok()) {
          s = reader.status();
          break;
        }
        s = (*reader)->Get(index, ikey.user_key, &relocated);
        if (!s.ok()) break;
        auto& g = out->garbage[index.file_number];
        g.number = index.file_number;
        g.blob_count++;
        g.blob_bytes += index.record_size;
        out->stats.blobs_relocated++;
        value = relocated;
        type = kTypeValue;
      }
    }
    s = out->output->Add(ikey.user_key, ikey.sequence, type, value);
  }
  if (s.ok()) s = input->status();
  if (s.ok()) s = out->output->Finish();
  out->status = s;
}

void CompactionJob::AddToEdit(VersionEdit* edit) const {
  c_->AddInputDeletions(edit);
  std::map<uint64_t, BlobGarbage> garbage;
  for (const auto& r : results_) {
    for (const auto& f : r.output->tables()) edit->AddFile(c_->output_level(), f);
    for (const auto& b : r.output->blob_files()) edit->AddBlobFile(b);
    for (const auto& [number, g] : r.garbage) {
      auto& total = garbage[number];
      total.number = number;
      total.blob_count += g.blob_count;
      total.blob_bytes += g.blob_bytes;
    }
  }
  for (const auto& [number, g] : garbage) edit->AddBlobGarbage(g);
}

}  // namespace embodb::lsm
