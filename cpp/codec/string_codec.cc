#include "codec/string_codec.h"

#include <algorithm>
#include <numeric>

#include "codec/bitpack.h"
#include "codec/int_codec.h"
#include "util/coding.h"

namespace embodb::codec {

namespace {

// On disk: never renumber.
enum class StringScheme : uint8_t {
  kPlain = 0,       // lengths (int codec), then the bytes
  kDictionary = 1,  // word count (varint), word lengths (int codec), word bytes, code width (1 byte), codes
};

void PutLengthsAndBytes(const std::string_view* values, size_t n, std::string* out) {
  std::vector<int64_t> lengths(n);
  for (size_t i = 0; i < n; i++) lengths[i] = static_cast<int64_t>(values[i].size());
  EncodeInts(lengths.data(), n, out);
  for (size_t i = 0; i < n; i++) out->append(values[i]);
}

Status GetLengthsAndBytes(std::string_view* in, size_t n, std::string* data, std::vector<int64_t>* offsets) {
  std::vector<int64_t> lengths(n);
  Status s = DecodeInts(in, n, lengths.data());
  if (!s.ok()) return s;
  offsets->assign(n + 1, 0);
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (lengths[i] < 0) return Status::Corruption("bad string length");
    total += static_cast<uint64_t>(lengths[i]);
    if (total > in->size()) return Status::Corruption("string chunk cut short");
    (*offsets)[i + 1] = static_cast<int64_t>(total);
  }
  data->assign(in->data(), total);
  in->remove_prefix(total);
  return Status::OK();
}

}  // namespace

void EncodeStrings(const std::string_view* values, size_t n, std::string* out) {
  if (n == 0) return;
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return values[a] < values[b]; });
  std::vector<std::string_view> words;
  std::vector<uint64_t> codes(n);
  for (uint32_t i : order) {
    if (words.empty() || words.back() != values[i]) words.push_back(values[i]);
    codes[i] = words.size() - 1;
  }
  if (words.size() > kMaxDictionary || words.size() * 2 > n + 1) {
    out->push_back(static_cast<char>(StringScheme::kPlain));
    PutLengthsAndBytes(values, n, out);
    return;
  }
  out->push_back(static_cast<char>(StringScheme::kDictionary));
  PutVarint64(out, words.size());
  PutLengthsAndBytes(words.data(), words.size(), out);
  const unsigned width = BitWidth(words.size() - 1);
  out->push_back(static_cast<char>(width));
  PackBits(codes.data(), n, width, out);
}

Status DecodeStrings(std::string_view* in, size_t n, std::string* data, std::vector<int64_t>* offsets) {
  data->clear();
  offsets->assign(1, 0);
  if (n == 0) return Status::OK();
  const Status bad = Status::Corruption("bad string chunk");
  if (in->empty()) return bad;
  const auto scheme = static_cast<StringScheme>((*in)[0]);
  in->remove_prefix(1);
  if (scheme == StringScheme::kPlain) return GetLengthsAndBytes(in, n, data, offsets);
  if (scheme != StringScheme::kDictionary) return Status::Corruption("unknown string scheme");
  uint64_t count = 0;
  if (!GetVarint64(in, &count) || count == 0 || count > kMaxDictionary) return bad;
  std::string words;
  std::vector<int64_t> word_offsets;
  Status s = GetLengthsAndBytes(in, count, &words, &word_offsets);
  if (!s.ok()) return s;
  if (in->empty()) return bad;
  const auto width = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  std::vector<uint64_t> codes(n);
  s = UnpackBits(in, n, width, codes.data());
  if (!s.ok()) return s;
  offsets->resize(n + 1);
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (codes[i] >= count) return bad;
    total += static_cast<uint64_t>(word_offsets[codes[i] + 1] - word_offsets[codes[i]]);
    (*offsets)[i + 1] = static_cast<int64_t>(total);
  }
  data->resize(total);
  for (size_t i = 0; i < n; i++) {
    const int64_t begin = word_offsets[codes[i]], end = word_offsets[codes[i] + 1];
    std::copy(words.data() + begin, words.data() + end, data->data() + (*offsets)[i]);
  }
  return Status::OK();
}

}  // namespace embodb::codec
