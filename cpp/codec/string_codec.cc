#include "codec/string_codec.h"

#include <algorithm>
#include <numeric>

#include "codec/bitpack.h"
#include "util/coding.h"

namespace embodb::codec {

namespace {

// On disk: never renumber.
enum class StringScheme : uint8_t {
  kPlain = 0,       // ends (int codec), then the bytes
  kDictionary = 1,  // word count (varint), word ends (int codec), word bytes, code width (1 byte), codes
};

// The end offsets of the strings (int codec), then their bytes.
void PutEndsAndBytes(const std::string_view* values, size_t n, std::string* out) {
  std::vector<int64_t> ends(n);
  int64_t end = 0;
  for (size_t i = 0; i < n; i++) ends[i] = end += static_cast<int64_t>(values[i].size());
  EncodeInts(ends.data(), n, out);
  for (size_t i = 0; i < n; i++) out->append(values[i]);
}

Status GetEndsAndBytes(std::string_view* in, size_t n, std::string* data, std::vector<int64_t>* offsets) {
  offsets->assign(n + 1, 0);
  Status s = DecodeInts(in, n, offsets->data() + 1);
  if (!s.ok()) return s;
  for (size_t i = 0; i < n; i++) {
    if ((*offsets)[i + 1] < (*offsets)[i]) return Status::Corruption("bad string offsets");
  }
  const auto total = static_cast<uint64_t>((*offsets)[n]);
  if (total > in->size()) return Status::Corruption("string chunk cut short");
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
    PutEndsAndBytes(values, n, out);
    return;
  }
  out->push_back(static_cast<char>(StringScheme::kDictionary));
  PutVarint64(out, words.size());
  PutEndsAndBytes(words.data(), words.size(), out);
  const unsigned width = BitWidth(words.size() - 1);
  out->push_back(static_cast<char>(width));
  PackBits(codes.data(), n, width, out);
}

Status DecodeStrings(std::string_view* in, size_t n, std::string* data, std::vector<int64_t>* offsets) {
  data->clear();
  offsets->assign(1, 0);
  if (n == 0) return Status::OK();
  auto bad = [] { return Status::Corruption("bad string chunk"); };  // built only when needed
  if (in->empty()) return bad();
  const auto scheme = static_cast<StringScheme>((*in)[0]);
  in->remove_prefix(1);
  if (scheme == StringScheme::kPlain) return GetEndsAndBytes(in, n, data, offsets);
  if (scheme != StringScheme::kDictionary) return Status::Corruption("unknown string scheme");
  uint64_t count = 0;
  if (!GetVarint64(in, &count) || count == 0 || count > kMaxDictionary) return bad();
  std::string words;
  std::vector<int64_t> word_offsets;
  Status s = GetEndsAndBytes(in, count, &words, &word_offsets);
  if (!s.ok()) return s;
  if (in->empty()) return bad();
  const auto width = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  std::vector<uint64_t> codes(n);
  s = UnpackBits(in, n, width, codes.data());
  if (!s.ok()) return s;
  offsets->resize(n + 1);
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (codes[i] >= count) return bad();
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

Status StringReader::Strings::Get(size_t j, std::string_view* out) const {
  const int64_t begin = j == 0 ? 0 : ends.At(j - 1), end = ends.At(j);
  if (begin < 0 || end < begin || static_cast<uint64_t>(end) > bytes.size()) {
    return Status::Corruption("bad string offsets");
  }
  *out = bytes.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin));
  return Status::OK();
}

Status StringReader::OpenStrings(std::string_view* in, size_t n, Strings* out) {
  EMBODB_RETURN_IF_ERROR(out->ends.Open(in, n));
  const int64_t total = out->ends.At(n - 1);
  if (total < 0 || static_cast<uint64_t>(total) > in->size()) return Status::Corruption("string chunk cut short");
  out->bytes = in->substr(0, static_cast<size_t>(total));
  in->remove_prefix(static_cast<size_t>(total));
  return Status::OK();
}

Status StringReader::Open(std::string_view* in, size_t n) {
  *this = StringReader();
  if (n == 0) return Status::OK();
  auto bad = [] { return Status::Corruption("bad string chunk"); };  // built only when needed
  if (in->empty()) return bad();
  const auto scheme = static_cast<StringScheme>((*in)[0]);
  in->remove_prefix(1);
  if (scheme == StringScheme::kPlain) return OpenStrings(in, n, &strings_);
  if (scheme != StringScheme::kDictionary) return Status::Corruption("unknown string scheme");
  dictionary_ = true;
  if (!GetVarint64(in, &words_) || words_ == 0 || words_ > kMaxDictionary) return bad();
  EMBODB_RETURN_IF_ERROR(OpenStrings(in, static_cast<size_t>(words_), &strings_));
  if (in->empty()) return bad();
  code_width_ = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (code_width_ > 64) return bad();
  const size_t bytes = PackedBytes(n, code_width_);
  if (in->size() < bytes) return Status::Corruption("packed values cut short");
  codes_ = in->substr(0, bytes);
  in->remove_prefix(bytes);
  return Status::OK();
}

Status StringReader::At(size_t i, std::string_view* out) const {
  if (!dictionary_) return strings_.Get(i, out);
  const uint64_t code = UnpackOne(reinterpret_cast<const uint8_t*>(codes_.data()), codes_.size(), i, code_width_);
  if (code >= words_) return Status::Corruption("bad string chunk");
  return strings_.Get(static_cast<size_t>(code), out);
}

}  // namespace embodb::codec
