// Block handles, the table footer, and reading a checksummed block from a file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "env/env.h"
#include "lsm/sstable/sstable_format.h"
#include "util/result.h"

namespace embodb::lsm::sstable {

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;  // excluding the trailer

  void EncodeTo(std::string* dst) const;
  // Reads one handle from the front of *input; Corruption when it holds none.
  static Result<BlockHandle> Decode(std::string_view* input);
};

struct Footer {
  BlockHandle filter;
  BlockHandle properties;
  BlockHandle index;

  void EncodeTo(std::string* dst) const;  // appends exactly kFooterSize bytes
  Status DecodeFrom(std::string_view input, const std::string& fname);
};

// Appends the trailer of `contents` stored with `type` (a CompressionType,
// with kColumnarBlockFlag for a columnar data block).
void AppendBlockTrailer(std::string_view contents, uint8_t type, std::string* dst);

// Compresses raw with zstd at `level` into *out; false when it does not shrink
// the block by at least 1/8 (then the block is stored uncompressed).
bool CompressBlock(std::string_view raw, int level, std::string* out);

// Reads the block at handle, checks its checksum and decompresses it into
// *contents. With `view`: when the file returns stable views and the block is
// stored uncompressed, *view points into the file and *contents stays empty
// (no copy); otherwise *view views *contents. `verified`: the caller knows
// the block passed its check before, at the same place in memory (a view into
// a mapping of an immutable file): the checksum is not computed again.
// `columnar`: set to whether it is a columnar data block; when null (index,
// filter and properties blocks), a columnar block is Corruption.
Status ReadBlock(const RandomAccessFile* file, const std::string& fname, const BlockHandle& handle,
                 std::string* contents, std::string_view* view = nullptr, bool verified = false,
                 bool* columnar = nullptr);

}  // namespace embodb::lsm::sstable
