#include "lsm/sstable/format.h"

#include <zstd.h>

#include <memory>

#include "util/coding.h"
#include "util/crc32c.h"

namespace embodb::lsm::sstable {

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

Result<BlockHandle> BlockHandle::Decode(std::string_view* input) {
  BlockHandle h;
  if (!GetVarint64(input, &h.offset) || !GetVarint64(input, &h.size)) return Status::Corruption("bad block handle");
  return h;
}

void Footer::EncodeTo(std::string* dst) const {
  const size_t start = dst->size();
  filter.EncodeTo(dst);
  properties.EncodeTo(dst);
  index.EncodeTo(dst);
  dst->resize(start + 3 * kMaxBlockHandleLength, '\0');
  PutFixed32(dst, kFormatVersion);
  PutFixed32(dst, crc32c::Mask(crc32c::Value(dst->data() + start, dst->size() - start)));
  PutFixed64(dst, kTableMagic);
}

Status Footer::DecodeFrom(std::string_view input, const std::string& fname) {
  if (input.size() != kFooterSize) return Status::Corruption(fname, "file is too short to be an sstable");
  if (DecodeFixed64(input.data() + kFooterSize - 8) != kTableMagic) {
    return Status::Corruption(fname, "not an sstable (bad magic number)");
  }
  const uint32_t stored_crc = crc32c::Unmask(DecodeFixed32(input.data() + kFooterSize - 12));
  if (stored_crc != crc32c::Value(input.data(), kFooterSize - 12)) {
    return Status::Corruption(fname, "sstable footer checksum mismatch");
  }
  const uint32_t version = DecodeFixed32(input.data() + 3 * kMaxBlockHandleLength);
  if (version < kMinFormatVersion || version > kFormatVersion) {
    return Status::NotSupported(fname, "sstable format version " + std::to_string(version) +
                                           " is not supported by this embodb (it reads versions " +
                                           std::to_string(kMinFormatVersion) + " to " +
                                           std::to_string(kFormatVersion) + ")");
  }
  std::string_view handles = input.substr(0, 3 * kMaxBlockHandleLength);
  for (BlockHandle* h : {&filter, &properties, &index}) {
    auto decoded = BlockHandle::Decode(&handles);
    if (!decoded.ok()) return Status::Corruption(fname, "bad block handle in sstable footer");
    *h = *decoded;
  }
  return Status::OK();
}

void AppendBlockTrailer(std::string_view contents, uint8_t type, std::string* dst) {
  char trailer[kBlockTrailerSize];
  trailer[0] = static_cast<char>(type);
  uint32_t crc = crc32c::Value(contents.data(), contents.size());
  crc = crc32c::Extend(crc, trailer, 1);
  EncodeFixed32(trailer + 1, crc32c::Mask(crc));
  dst->append(trailer, kBlockTrailerSize);
}

namespace {
// zstd contexts are costly to create; each thread keeps one of each.
struct ZstdContexts {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
};
ZstdContexts& ThreadZstd() {
  thread_local ZstdContexts contexts;
  return contexts;
}
}  // namespace

bool CompressBlock(std::string_view raw, int level, std::string* out) {
  out->resize(ZSTD_compressBound(raw.size()));
  const size_t n = ZSTD_compressCCtx(ThreadZstd().cctx, out->data(), out->size(), raw.data(), raw.size(), level);
  if (ZSTD_isError(n) || n >= raw.size() - raw.size() / 8) return false;
  out->resize(n);
  return true;
}

Status ReadBlock(const RandomAccessFile* file, const std::string& fname, const BlockHandle& handle,
                 std::string* contents, std::string_view* view, bool verified, bool* columnar) {
  if (handle.size > kMaxBlockSize) return Status::Corruption(fname, "block handle size is implausible");
  const size_t n = static_cast<size_t>(handle.size);
  // A mapped file returns a view and never touches the scratch buffer.
  thread_local std::string scratch;
  if (scratch.size() < n + kBlockTrailerSize) scratch.resize(n + kBlockTrailerSize);
  std::string_view got;
  EMBODB_RETURN_IF_ERROR(file->Read(handle.offset, n + kBlockTrailerSize, &got, scratch.data()));
  if (got.size() != n + kBlockTrailerSize) return Status::Corruption(fname, "block extends past the end of the file");
  const char* data = got.data();
  const auto type = static_cast<uint8_t>(data[n]);
  const uint8_t compression = type & ~kColumnarBlockFlag;
  if (columnar != nullptr) *columnar = (type & kColumnarBlockFlag) != 0;
  const bool in_place = view != nullptr && file->ReturnsStableViews() && compression == kNoCompression;
  if (in_place && verified) {
    contents->clear();
    *view = std::string_view(data, n);
    return Status::OK();
  }
  const uint32_t stored = crc32c::Unmask(DecodeFixed32(data + n + 1));
  if (stored != crc32c::Value(data, n + 1)) {
    return Status::Corruption(fname, "block checksum mismatch at offset " + std::to_string(handle.offset));
  }
  if (columnar == nullptr && compression != type) return Status::Corruption(fname, "unexpected columnar block");
  switch (compression) {
    case kNoCompression:
      if (in_place) {
        contents->clear();
        *view = std::string_view(data, n);
      } else {
        contents->assign(data, n);
        if (view != nullptr) *view = *contents;
      }
      return Status::OK();
    case kZstdCompression: {
      const unsigned long long raw_size = ZSTD_getFrameContentSize(data, n);
      if (raw_size == ZSTD_CONTENTSIZE_ERROR || raw_size == ZSTD_CONTENTSIZE_UNKNOWN ||
          raw_size > kMaxBlockSize) {
        return Status::Corruption(fname, "bad zstd frame in block");
      }
      contents->resize(static_cast<size_t>(raw_size));
      const size_t r = ZSTD_decompressDCtx(ThreadZstd().dctx, contents->data(), contents->size(), data, n);
      if (ZSTD_isError(r) || r != raw_size) return Status::Corruption(fname, "zstd block does not decompress");
      if (view != nullptr) *view = *contents;
      return Status::OK();
    }
    default:
      return Status::Corruption(fname, "unknown block compression type");
  }
}

}  // namespace embodb::lsm::sstable
