// Saving and loading HnswGraph checkpoints (docs/format/hnsw.md).
#include <algorithm>
#include <cstring>

#include "env/env.h"
#include "index/vector/hnsw_format.h"
#include "index/vector/hnsw_graph.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace embodb::index {

namespace fmt = hnsw_format;

namespace {

class SectionWriter {
 public:
  explicit SectionWriter(WritableFile* file) : file_(file) {}
  // Writes data as one or more sections of tag (none when data is empty).
  Status Write(uint32_t tag, const void* data, size_t n) {
    const char* p = static_cast<const char*>(data);
    do {
      const size_t len = std::min<size_t>(n, fmt::kMaxSectionPayload);
      std::string header;
      PutFixed32(&header, tag);
      PutFixed64(&header, len);
      PutFixed32(&header, crc32c::Mask(crc32c::Value(p, len)));
      EMBODB_RETURN_IF_ERROR(file_->Append(header));
      EMBODB_RETURN_IF_ERROR(file_->Append(std::string_view(p, len)));
      sections_++;
      p += len;
      n -= len;
    } while (n > 0);
    return Status::OK();
  }
  uint64_t sections() const { return sections_; }

 private:
  WritableFile* file_;
  uint64_t sections_ = 0;
};

}  // namespace

// Reads the sections of a file in order, each checked against its checksum.
class HnswFileReader {
 public:
  HnswFileReader(SequentialFile* file, std::string path) : file_(file), path_(std::move(path)) {}

  Status Corrupt(const std::string& what) const { return Status::Corruption("hnsw checkpoint " + path_ + ": " + what); }

  Status ReadHeader() {
    char buf[fmt::kHeaderSize];
    std::string_view got;
    EMBODB_RETURN_IF_ERROR(ReadExactly(fmt::kHeaderSize, buf, &got));
    if (DecodeFixed64(got.data()) != fmt::kMagic) return Corrupt("not a checkpoint (bad magic)");
    const uint32_t version = DecodeFixed32(got.data() + 8);
    if (version != fmt::kVersion) {
      return Status::NotSupported("hnsw checkpoint " + path_ + " has format version " + std::to_string(version) +
                                  ", this build reads version " + std::to_string(fmt::kVersion));
    }
    return Status::OK();
  }

  // Reads exactly n payload bytes of tag into dst, across sections.
  Status ReadInto(uint32_t tag, void* dst, size_t n) {
    char* out = static_cast<char*>(dst);
    do {
      char h[fmt::kSectionHeaderSize];
      std::string_view got;
      EMBODB_RETURN_IF_ERROR(ReadExactly(fmt::kSectionHeaderSize, h, &got));
      const uint32_t t = DecodeFixed32(got.data());
      const uint64_t len = DecodeFixed64(got.data() + 4);
      const uint32_t crc = crc32c::Unmask(DecodeFixed32(got.data() + 12));
      if (t != tag) return Corrupt("section " + std::to_string(t) + " where " + std::to_string(tag) + " belongs");
      if (len > n || len > fmt::kMaxSectionPayload || (len == 0 && n > 0)) return Corrupt("bad section length");
      EMBODB_RETURN_IF_ERROR(ReadExactly(len, out, &got));
      if (got.data() != out) std::memcpy(out, got.data(), len);
      if (crc32c::Value(out, len) != crc) return Corrupt("checksum mismatch in section " + std::to_string(tag));
      sections_++;
      out += len;
      n -= len;
    } while (n > 0);
    return Status::OK();
  }

  Status ReadFooter() {
    char buf[fmt::kFooterSize];
    std::string_view got;
    EMBODB_RETURN_IF_ERROR(ReadExactly(fmt::kFooterSize, buf, &got));
    if (DecodeFixed64(got.data()) != sections_ || DecodeFixed64(got.data() + 8) != fmt::kMagic) {
      return Corrupt("bad footer");
    }
    char extra;
    EMBODB_RETURN_IF_ERROR(file_->Read(1, &got, &extra));
    if (!got.empty()) return Corrupt("bytes after the footer");
    return Status::OK();
  }

  // Every link and offset within bounds, so that no search reads outside.
  static Status CheckShape(const HnswGraph& g, const HnswFileReader& r) {
    const size_t slots = g.slots();
    for (uint32_t n = 0; n < slots; n++) {
      if (g.flags_[n] > HnswGraph::kFree) return r.Corrupt("bad node flag");
      if (g.levels_[n] > g.upper_levels_[n] && g.flags_[n] != HnswGraph::kFree) return r.Corrupt("bad node level");
      if (g.upper_levels_[n] > 0 &&
          size_t{g.upper_offset_[n]} + size_t{g.upper_levels_[n]} * (g.options_.m + 1) > g.upper_links_.size()) {
        return r.Corrupt("upper links out of bounds");
      }
      if (g.flags_[n] == HnswGraph::kFree) continue;
      for (int level = 0; level <= g.levels_[n]; level++) {
        const uint32_t* links = g.Links(n, level);
        if (links[0] > g.MaxLinks(level)) return r.Corrupt("too many links");
        for (uint32_t i = 0; i < links[0]; i++) {
          if (links[1 + i] >= slots) return r.Corrupt("link out of bounds");
        }
      }
    }
    if (g.entry_ != HnswGraph::kNoNode && (g.entry_ >= slots || g.levels_[g.entry_] != g.max_level_)) {
      return r.Corrupt("bad entry node");
    }
    if ((g.entry_ == HnswGraph::kNoNode) != (g.max_level_ < 0)) return r.Corrupt("bad entry node");
    return Status::OK();
  }

  static Result<std::unique_ptr<HnswGraph>> Load(SequentialFile* file, uint64_t file_size, const std::string& path,
                                                 std::string* owner);

 private:
  Status ReadExactly(size_t n, char* scratch, std::string_view* got) {
    EMBODB_RETURN_IF_ERROR(file_->Read(n, got, scratch));
    if (got->size() != n) return Corrupt("truncated");
    return Status::OK();
  }

  SequentialFile* file_;
  std::string path_;
  uint64_t sections_ = 0;
};

Status HnswGraph::Save(Env* env, const std::string& path, std::string_view owner) const {
  const std::string tmp = path + ".tmp";
  EMBODB_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewWritableFile(tmp));
  std::string header;
  PutFixed64(&header, fmt::kMagic);
  PutFixed32(&header, fmt::kVersion);
  EMBODB_RETURN_IF_ERROR(file->Append(header));
  std::string params;
  PutFixed64(&params, options_.dim);
  params.push_back(static_cast<char>(options_.metric));
  PutFixed32(&params, options_.m);
  PutFixed32(&params, options_.ef_construction);
  params.push_back(static_cast<char>(options_.quantization));
  PutFixed64(&params, options_.seed);
  PutFixed64(&params, level_draws_);
  PutFixed32(&params, entry_);
  PutFixed32(&params, static_cast<uint32_t>(max_level_));
  PutFixed64(&params, slots());
  PutFixed64(&params, live_);
  PutFixed64(&params, tombstones_);
  PutFixed64(&params, upper_links_.size());
  PutFixed64(&params, owner.size());
  SectionWriter w(file.get());
  EMBODB_RETURN_IF_ERROR(w.Write(fmt::kParams, params.data(), params.size()));
  if (options_.quantization == Quantization::kSq8) {
    std::vector<float> ranges(sq8_.min());
    ranges.insert(ranges.end(), sq8_.step().begin(), sq8_.step().end());
    if (ranges.empty()) ranges.assign(2 * options_.dim, 0.0f);  // never trained: no node
    EMBODB_RETURN_IF_ERROR(w.Write(fmt::kSq8Ranges, ranges.data(), ranges.size() * sizeof(float)));
  }
  EMBODB_RETURN_IF_ERROR(w.Write(fmt::kRecords, records_.data(), records_.size()));
  EMBODB_RETURN_IF_ERROR(w.Write(fmt::kLevels, levels_.data(), levels_.size()));
  EMBODB_RETURN_IF_ERROR(w.Write(fmt::kFlags, flags_.data(), flags_.size()));
  EMBODB_RETURN_IF_ERROR(w.Write(fmt::kUpperLevels, upper_levels_.data(), upper_levels_.size()));
  EMBODB_RETURN_IF_ERROR(w.Write(fmt::kUpperOffset, upper_offset_.data(), upper_offset_.size() * sizeof(uint32_t)));
  EMBODB_RETURN_IF_ERROR(w.Write(fmt::kUpperLinks, upper_links_.data(), upper_links_.size() * sizeof(uint32_t)));
  EMBODB_RETURN_IF_ERROR(w.Write(fmt::kOwner, owner.data(), owner.size()));
  std::string footer;
  PutFixed64(&footer, w.sections());
  PutFixed64(&footer, fmt::kMagic);
  EMBODB_RETURN_IF_ERROR(file->Append(footer));
  EMBODB_RETURN_IF_ERROR(file->Sync());
  EMBODB_RETURN_IF_ERROR(file->Close());
  EMBODB_RETURN_IF_ERROR(env->RenameFile(tmp, path));
  return env->SyncDir(DirName(path));
}

Result<std::unique_ptr<HnswGraph>> HnswFileReader::Load(SequentialFile* file, uint64_t file_size,
                                                        const std::string& path, std::string* owner) {
  HnswFileReader r(file, path);
  EMBODB_RETURN_IF_ERROR(r.ReadHeader());
  char p[fmt::kParamsSize];
  EMBODB_RETURN_IF_ERROR(r.ReadInto(fmt::kParams, p, sizeof(p)));
  HnswOptions o;
  o.dim = DecodeFixed64(p);
  const uint8_t metric = static_cast<uint8_t>(p[8]);
  o.m = DecodeFixed32(p + 9);
  o.ef_construction = DecodeFixed32(p + 13);
  const uint8_t quantization = static_cast<uint8_t>(p[17]);
  o.seed = DecodeFixed64(p + 18);
  if (o.dim == 0 || o.dim > (1 << 16) || metric > 2 || o.m < 2 || o.m > 128 || o.ef_construction == 0 ||
      quantization > 1) {
    return r.Corrupt("bad parameters");
  }
  o.metric = static_cast<Metric>(metric);
  o.quantization = static_cast<Quantization>(quantization);
  auto g = std::make_unique<HnswGraph>(o);
  g->level_draws_ = DecodeFixed64(p + 26);
  g->entry_ = DecodeFixed32(p + 34);
  g->max_level_ = static_cast<int32_t>(DecodeFixed32(p + 38));
  const uint64_t slots = DecodeFixed64(p + 42);
  g->live_ = DecodeFixed64(p + 50);
  g->tombstones_ = DecodeFixed64(p + 58);
  const uint64_t upper_words = DecodeFixed64(p + 66);
  const uint64_t owner_bytes = DecodeFixed64(p + 74);
  if (slots >= HnswGraph::kNoNode || g->live_ + g->tombstones_ > slots || upper_words > slots * 32 * (o.m + 1)) {
    return r.Corrupt("bad counts");
  }
  // Nothing is allocated for more bytes than the file holds.
  if (owner_bytes > file_size || slots > file_size / g->record_bytes_ || upper_words > file_size / 4) {
    return r.Corrupt("sizes beyond the end of the file");
  }
  if (o.quantization == Quantization::kSq8) {
    std::vector<float> ranges(2 * o.dim);
    EMBODB_RETURN_IF_ERROR(r.ReadInto(fmt::kSq8Ranges, ranges.data(), ranges.size() * sizeof(float)));
    if (slots > 0) {
      g->sq8_.Restore(std::vector<float>(ranges.begin(), ranges.begin() + o.dim),
                      std::vector<float>(ranges.begin() + o.dim, ranges.end()));
    }
  }
  g->records_.resize(slots * g->record_bytes_);
  g->levels_.resize(slots);
  g->flags_.resize(slots);
  g->upper_levels_.resize(slots);
  g->upper_offset_.resize(slots);
  g->upper_links_.resize(upper_words);
  EMBODB_RETURN_IF_ERROR(r.ReadInto(fmt::kRecords, g->records_.data(), g->records_.size()));
  EMBODB_RETURN_IF_ERROR(r.ReadInto(fmt::kLevels, g->levels_.data(), slots));
  EMBODB_RETURN_IF_ERROR(r.ReadInto(fmt::kFlags, g->flags_.data(), slots));
  EMBODB_RETURN_IF_ERROR(r.ReadInto(fmt::kUpperLevels, g->upper_levels_.data(), slots));
  EMBODB_RETURN_IF_ERROR(r.ReadInto(fmt::kUpperOffset, g->upper_offset_.data(), slots * sizeof(uint32_t)));
  EMBODB_RETURN_IF_ERROR(r.ReadInto(fmt::kUpperLinks, g->upper_links_.data(), upper_words * sizeof(uint32_t)));
  owner->resize(owner_bytes);
  EMBODB_RETURN_IF_ERROR(r.ReadInto(fmt::kOwner, owner->data(), owner_bytes));
  EMBODB_RETURN_IF_ERROR(r.ReadFooter());
  EMBODB_RETURN_IF_ERROR(CheckShape(*g, r));
  size_t live = 0, tombstones = 0;
  for (uint32_t n = 0; n < slots; n++) {
    if (g->flags_[n] == HnswGraph::kLive) live++;
    if (g->flags_[n] == HnswGraph::kTombstone) tombstones++;
    if (g->flags_[n] == HnswGraph::kFree) g->free_.push_back(n);
  }
  if (live != g->live_ || tombstones != g->tombstones_) return r.Corrupt("node counts do not match the flags");
  std::sort(g->free_.begin(), g->free_.end(), std::greater<>());
  return g;
}

Result<std::unique_ptr<HnswGraph>> HnswGraph::Load(Env* env, const std::string& path, std::string* owner) {
  EMBODB_ASSIGN_OR_RETURN(uint64_t size, env->GetFileSize(path));
  EMBODB_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, env->NewSequentialFile(path));
  return HnswFileReader::Load(file.get(), size, path, owner);
}

}  // namespace embodb::index
