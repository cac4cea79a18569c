// Internal keys: the user key followed by an 8-byte tag (sequence << 8 | type).
// Ordering: user key ascending (bytewise), then sequence descending, then type
// descending, so the newest version of a key comes first.
// On disk: the ValueType numbers are stored in WAL batches and SSTables.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "util/coding.h"

namespace embodb::lsm {

using SequenceNumber = uint64_t;
// Eight bits of the tag hold the type, so sequences have 56 bits.
inline constexpr SequenceNumber kMaxSequenceNumber = (1ull << 56) - 1;

enum ValueType : uint8_t {
  kTypeDeletion = 0,   // on disk: never renumber
  kTypeValue = 1,      // on disk: never renumber
  kTypeBlobIndex = 2,  // on disk: value is a BlobIndex (lsm/blob/blob_index.h)
};
inline constexpr ValueType kMaxValueType = kTypeBlobIndex;
// Seeks use the highest type so that they land before every entry of the sequence.
inline constexpr ValueType kValueTypeForSeek = kMaxValueType;

inline uint64_t PackSequenceAndType(SequenceNumber seq, ValueType t) { return (seq << 8) | t; }

struct ParsedInternalKey {
  std::string_view user_key;
  SequenceNumber sequence = 0;
  ValueType type = kTypeValue;
};

inline void AppendInternalKey(std::string* dst, std::string_view user_key, SequenceNumber seq,
                              ValueType t) {
  dst->append(user_key.data(), user_key.size());
  PutFixed64(dst, PackSequenceAndType(seq, t));
}

// False when the key is too short or has an unknown type.
inline bool ParseInternalKey(std::string_view ikey, ParsedInternalKey* out) {
  if (ikey.size() < 8) return false;
  const uint64_t tag = DecodeFixed64(ikey.data() + ikey.size() - 8);
  const uint8_t t = tag & 0xff;
  if (t > kMaxValueType) return false;
  out->user_key = ikey.substr(0, ikey.size() - 8);
  out->sequence = tag >> 8;
  out->type = static_cast<ValueType>(t);
  return true;
}

inline std::string_view ExtractUserKey(std::string_view ikey) {
  return ikey.substr(0, ikey.size() - 8);
}
inline uint64_t ExtractTag(std::string_view ikey) {
  return DecodeFixed64(ikey.data() + ikey.size() - 8);
}

inline int CompareUserKeys(std::string_view a, std::string_view b) { return a.compare(b); }

inline int CompareInternalKeys(std::string_view a, std::string_view b) {
  int r = ExtractUserKey(a).compare(ExtractUserKey(b));
  if (r != 0) return r;
  const uint64_t ta = ExtractTag(a), tb = ExtractTag(b);
  return ta > tb ? -1 : ta < tb ? 1 : 0;
}

// A key for looking up `user_key` as of `sequence`, in both memtable form
// (varint32 length + internal key) and internal-key form. Short keys live in
// an inline buffer, so a point lookup does not allocate.
class LookupKey {
 public:
  LookupKey(std::string_view user_key, SequenceNumber sequence) {
    const size_t internal_size = user_key.size() + 8;
    const size_t needed = internal_size + 5;
    char* dst = space_;
    if (needed > sizeof(space_)) {
      heap_.reset(new char[needed]);
      dst = heap_.get();
    }
    start_ = dst;
    dst = EncodeVarint32(dst, static_cast<uint32_t>(internal_size));
    kstart_ = dst;
    if (!user_key.empty()) std::memcpy(dst, user_key.data(), user_key.size());
    dst += user_key.size();
    EncodeFixed64(dst, PackSequenceAndType(sequence, kValueTypeForSeek));
    end_ = dst + 8;
  }
  LookupKey(const LookupKey&) = delete;
  LookupKey& operator=(const LookupKey&) = delete;

  std::string_view memtable_key() const { return std::string_view(start_, end_ - start_); }
  std::string_view internal_key() const { return std::string_view(kstart_, end_ - kstart_); }
  std::string_view user_key() const { return std::string_view(kstart_, end_ - kstart_ - 8); }

 private:
  char space_[160];
  std::unique_ptr<char[]> heap_;
  const char* start_;
  const char* kstart_;
  const char* end_;
};

// The shortest user key k with start <= k < limit (k may equal start).
void FindShortestSeparator(std::string* start, std::string_view limit);
// The shortest user key k >= key.
void FindShortSuccessor(std::string* key);

}  // namespace embodb::lsm
