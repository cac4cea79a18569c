#include "codec/float_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "codec/int_codec.h"
#include "util/coding.h"

namespace embodb::codec {

namespace {

// On disk: never renumber.
enum class FloatScheme : uint8_t {
  kAlp = 0,  // e, f (1 byte each), the integers (int codec), exception count (varint),
             // their positions (int codec), their values (raw)
  kRaw = 1,  // the values as they are in memory (little-endian IEEE 754)
  kAlpDivide = 2,  // e (1 byte), then as kAlp; decoded by dividing by 10^e (sequential chunks)
};

// f's value for kAlpDivide: v = k / 10^e, a division by an exact power of
// ten, so that every decimal of at most e places whose k fits comes back
// exactly (the product by 10^-e of kAlp misses about a fifth of them).
constexpr int kDivide = -1;

constexpr int kMaxExponent = 18;
// 10^i exactly (every one below 10^22 is a double), and 10^-i rounded.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
                             1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
constexpr double kInvPow10[] = {1e0,   1e-1,  1e-2,  1e-3,  1e-4,  1e-5,  1e-6,  1e-7,  1e-8,  1e-9,
                                1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18};
// Beyond this an integer no longer converts exactly.
constexpr double kMaxEncoded = 9.0e15;
constexpr size_t kSample = 256;       // values the finalists are tried on
constexpr size_t kSmallSample = 32;   // values every (e, f) is tried on
constexpr size_t kFinalists = 5;
// Deltas need neighbours: a sequential chunk's candidates are scored on a
// window of consecutive values this long.
constexpr size_t kSequentialSample = 512;

template <typename T>
bool SameBits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// v as round(v * 10^e / 10^f) into *encoded; false when it does not come
// back as the same bits. The decoder computes Decoded exactly so.
// x rounded to an integer (|x| <= kMaxEncoded). Any rounding would do (the
// decoder only multiplies), so a fast one: adding 1.5 * 2^52 leaves no
// fraction bits below |x| < 2^51; nearbyint (a library call) above.
inline int64_t RoundToInt(double x) {
  constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52
  if (std::fabs(x) < 2251799813685248.0) {         // 2^51
    const volatile double shifted = x + kMagic;     // volatile: no reassociation
    return static_cast<int64_t>(shifted - kMagic);
  }
  return static_cast<int64_t>(std::nearbyint(x));
}

template <typename T>
T Decoded(int64_t encoded, int e, int f) {
  if (f == kDivide) return static_cast<T>(static_cast<double>(encoded) / kPow10[e]);
  return static_cast<T>(static_cast<double>(encoded) * kPow10[f] * kInvPow10[e]);
}

template <typename T>
bool Encode(T v, int e, int f, int64_t* encoded) {
  const double x = f == kDivide ? static_cast<double>(v) * kPow10[e] : static_cast<double>(v) * kPow10[e] * kInvPow10[f];
  if (!(std::fabs(x) <= kMaxEncoded)) return false;  // NaN too
  *encoded = RoundToInt(x);
  return SameBits(Decoded<T>(*encoded, e, f), v);
}

// The bits a sample of the values takes with (e, f): the packed integers
// plus, for each exception, its value and position.
template <typename T>
double SampleCost(const T* v, size_t n, size_t samples, int e, int f) {
  const size_t step = n > samples ? n / samples : 1;
  size_t exceptions = 0, taken = 0;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (size_t i = 0; i < n && taken < samples; i += step, taken++) {
    int64_t enc;
    if (!Encode(v[i], e, f, &enc)) {
      exceptions++;
      continue;
    }
    lo = std::min(lo, enc);
    hi = std::max(hi, enc);
  }
  const double width =
      lo > hi ? 0 : std::log2(static_cast<double>(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo)) + 1);
  return (static_cast<double>(taken - exceptions) * width + static_cast<double>(exceptions) * (8.0 * sizeof(T) + 32)) /
         static_cast<double>(taken);
}

// The bits per value a run of consecutive values takes with (e, f) when the
// integers are stored as deltas (IntLayout::kSequential): a window of
// kSequentialSample values from the middle, each run of 64 deltas packed in
// the width of its own range, plus the exceptions.
template <typename T>
double SequentialCost(const T* v, size_t n, int e, int f) {
  const size_t begin = n > kSequentialSample ? (n - kSequentialSample) / 2 : 0;
  const size_t end = std::min(n, begin + kSequentialSample);
  size_t exceptions = 0;
  std::vector<int64_t> ints;
  ints.reserve(end - begin);
  for (size_t i = begin; i < end; i++) {
    int64_t enc;
    if (Encode(v[i], e, f, &enc)) {
      ints.push_back(enc);
    } else {
      exceptions++;
    }
  }
  double bits = static_cast<double>(exceptions) * (8.0 * sizeof(T) + 32);
  for (size_t run = 1; run < ints.size(); run += 64) {
    const size_t run_end = std::min(ints.size(), run + 64);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = run; i < run_end; i++) {
      const auto d = static_cast<int64_t>(static_cast<uint64_t>(ints[i]) - static_cast<uint64_t>(ints[i - 1]));
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    bits += static_cast<double>(run_end - run) *
            (BitWidth(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo)) + 0.4);
  }
  return bits / static_cast<double>(end - begin);
}

// The (e, f) that stores a sample of the values in the fewest bits, found in
// two rounds as ALP does: every pair on a small sample, then the few best on
// a larger one (for the sequential layout, on a run of consecutive values
// stored as deltas). Returns the bits per value it costs.
// For the sequential layout, a cheaper search that sees neighbours: the
// smallest exponent each of a sample of values needs (kAlpDivide), and
// those needed by the median, 75th, 90th, 95th percentile and every sampled
// value scored by SequentialCost. Returns the bits per value it costs.
template <typename T>
double ChooseSequentialExponent(const T* v, size_t n, int max_e, int* best_e) {
  constexpr size_t kNeedSample = 64;
  const size_t step = n > kNeedSample ? n / kNeedSample : 1;
  std::vector<int> needed;
  for (size_t i = 0; i < n && needed.size() < kNeedSample; i += step) {
    for (int e = 0; e <= max_e; e++) {
      int64_t enc;
      if (Encode(v[i], e, kDivide, &enc)) {
        needed.push_back(e);
        break;
      }
    }
  }
  if (needed.empty()) needed.push_back(0);
  std::sort(needed.begin(), needed.end());
  std::vector<int> candidates;
  for (double q : {0.5, 0.75, 0.9, 0.95, 1.0}) {
    const int e = needed[std::min(needed.size() - 1, static_cast<size_t>(q * static_cast<double>(needed.size())))];
    if (std::find(candidates.begin(), candidates.end(), e) == candidates.end()) candidates.push_back(e);
  }
  double best = 0;
  for (size_t k = 0; k < candidates.size(); k++) {
    const double cost = SequentialCost(v, n, candidates[k], kDivide);
    if (k == 0 || cost < best) {
      best = cost;
      *best_e = candidates[k];
    }
  }
  return best;
}

template <typename T>
double ChooseExponent(const T* v, size_t n, int max_e, IntLayout layout, int* best_e, int* best_f) {
  if (layout == IntLayout::kSequential) {
    *best_f = kDivide;
    return ChooseSequentialExponent(v, n, max_e, best_e);
  }
  struct Candidate {
    double cost;
    int e, f;
  };
  std::vector<Candidate> all;
  for (int e = 0; e <= max_e; e++) {
    for (int f = 0; f <= e; f++) all.push_back({SampleCost(v, n, kSmallSample, e, f), e, f});
  }
  const size_t keep = std::min(kFinalists, all.size());
  std::partial_sort(all.begin(), all.begin() + keep, all.end(),
                    [](const Candidate& a, const Candidate& b) { return a.cost < b.cost; });
  double best = 0;
  for (size_t k = 0; k < keep; k++) {
    const double cost = SampleCost(v, n, kSample, all[k].e, all[k].f);
    if (k == 0 || cost < best) {
      best = cost;
      *best_e = all[k].e;
      *best_f = all[k].f;
    }
  }
  return best;
}

template <typename T>
void EncodeRaw(const T* v, size_t n, std::string* out) {
  out->push_back(static_cast<char>(FloatScheme::kRaw));
  out->append(reinterpret_cast<const char*>(v), n * sizeof(T));
}

template <typename T>
void EncodeValues(const T* v, size_t n, int max_e, IntLayout layout, std::string* out) {
  if (n == 0) return;
  int e = 0, f = 0;
  // Values that are no decimals (noise, already-scaled data) cost about
  // as much as raw: skip the encoding that would be thrown away.
  if (ChooseExponent(v, n, max_e, layout, &e, &f) >= 8.0 * sizeof(T)) {
    EncodeRaw(v, n, out);
    return;
  }
  std::vector<int64_t> encoded(n);
  std::vector<int64_t> positions;
  std::string exceptions;
  int64_t fill = 0;
  bool have_fill = false;
  for (size_t i = 0; i < n; i++) {
    if (Encode(v[i], e, f, &encoded[i])) {
      if (!have_fill) {
        // Exceptions before the first good value take its integer, so that
        // they widen nothing.
        for (int64_t p : positions) encoded[static_cast<size_t>(p)] = encoded[i];
        have_fill = true;
      }
      fill = encoded[i];
      continue;
    }
    positions.push_back(static_cast<int64_t>(i));
    exceptions.append(reinterpret_cast<const char*>(&v[i]), sizeof(T));
    encoded[i] = fill;
  }
  std::string alp;
  alp.push_back(static_cast<char>(f == kDivide ? FloatScheme::kAlpDivide : FloatScheme::kAlp));
  alp.push_back(static_cast<char>(e));
  if (f != kDivide) alp.push_back(static_cast<char>(f));
  EncodeInts(encoded.data(), n, &alp, layout);
  PutVarint64(&alp, positions.size());
  EncodeInts(positions.data(), positions.size(), &alp);
  alp.append(exceptions);
  if (alp.size() >= 1 + n * sizeof(T)) {
    EncodeRaw(v, n, out);  // the fallback: decimals did not pay
    return;
  }
  out->append(alp);
}

// The n integers (each |k| < 2^51) stored at values, as int64, replaced by
// k / divisor. Built for AVX2 too, picked at load time by the CPU's
// features (target_clones): four divisions at a time where the CPU has it.
__attribute__((target_clones("avx2", "default"))) void DivideInPlace(double* values, size_t n, double divisor) {
  constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52
  constexpr int64_t kMagicBits = 0x4338000000000000;
  for (size_t i = 0; i < n; i++) {
    int64_t k;
    std::memcpy(&k, values + i, sizeof(k));
    const int64_t bits = k + kMagicBits;
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    values[i] = (d - kMagic) / divisor;
  }
}

// The exponents after the scheme byte of an ALP chunk (f = kDivide for
// kAlpDivide), removed from *in.
Status ReadExponents(FloatScheme scheme, std::string_view* in, int* e, int* f) {
  if (scheme != FloatScheme::kAlp && scheme != FloatScheme::kAlpDivide) {
    return Status::Corruption("unknown float scheme");
  }
  const size_t bytes = scheme == FloatScheme::kAlp ? 2 : 1;
  if (in->size() < bytes) return Status::Corruption("bad float chunk");
  *e = static_cast<uint8_t>((*in)[0]);
  *f = scheme == FloatScheme::kAlp ? static_cast<uint8_t>((*in)[1]) : kDivide;
  in->remove_prefix(bytes);
  if (*e > kMaxExponent || *f > *e) return Status::Corruption("bad float chunk");
  return Status::OK();
}

template <typename T>
Status DecodeValues(std::string_view* in, size_t n, T* out) {
  if (n == 0) return Status::OK();
  auto bad = [] { return Status::Corruption("bad float chunk"); };  // built only when needed
  if (in->empty()) return bad();
  const auto scheme = static_cast<FloatScheme>((*in)[0]);
  in->remove_prefix(1);
  if (scheme == FloatScheme::kRaw) {
    if (in->size() < n * sizeof(T)) return bad();
    std::memcpy(out, in->data(), n * sizeof(T));
    in->remove_prefix(n * sizeof(T));
    return Status::OK();
  }
  int e = 0, f = 0;
  EMBODB_RETURN_IF_ERROR(ReadExponents(scheme, in, &e, &f));
  // The integers, then each turned into its value: in place when T is as
  // wide as int64.
  std::vector<int64_t> scratch(sizeof(T) == sizeof(int64_t) ? 0 : n);
  int64_t* encoded = sizeof(T) == sizeof(int64_t) ? reinterpret_cast<int64_t*>(out) : scratch.data();
  Status s = DecodeInts(in, n, encoded);
  if (!s.ok()) return s;
  // Through memcpy: the integers and values may share memory.
  auto convert = [&](auto decode) {
    for (size_t i = 0; i < n; i++) {
      int64_t k;
      std::memcpy(&k, encoded + i, sizeof(k));
      const T v = decode(k);
      std::memcpy(out + i, &v, sizeof(T));
    }
  };
  if (f == kDivide) {
    const double divisor = kPow10[e];
    // |k| < 2^51 (every integer of a real decimal chunk): k to double by
    // the 1.5 * 2^52 trick, which vectorizes (a plain conversion of int64
    // does not without AVX-512); any other chunk the plain way.
    constexpr int64_t kLimit = int64_t{1} << 51;
    bool small = true;
    for (size_t i = 0; i < n; i++) {
      int64_t k;
      std::memcpy(&k, encoded + i, sizeof(k));
      small &= static_cast<uint64_t>(k + kLimit) < static_cast<uint64_t>(2 * kLimit);
    }
    if (small && sizeof(T) == sizeof(double) && static_cast<void*>(out) == static_cast<void*>(encoded)) {
      DivideInPlace(reinterpret_cast<double*>(out), n, divisor);
    } else if (small) {
      constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52
      constexpr int64_t kMagicBits = 0x4338000000000000;
      convert([divisor](int64_t k) {
        double d;
        const int64_t bits = k + kMagicBits;
        std::memcpy(&d, &bits, sizeof(d));
        return static_cast<T>((d - kMagic) / divisor);
      });
    } else {
      convert([divisor](int64_t k) { return static_cast<T>(static_cast<double>(k) / divisor); });
    }
  } else {
    convert([e, f](int64_t k) { return Decoded<T>(k, e, f); });
  }
  uint64_t count = 0;
  if (!GetVarint64(in, &count) || count > n) return bad();
  std::vector<int64_t> positions(count);
  s = DecodeInts(in, count, positions.data());
  if (!s.ok()) return s;
  if (in->size() < count * sizeof(T)) return bad();
  for (size_t j = 0; j < count; j++) {
    if (positions[j] < 0 || static_cast<uint64_t>(positions[j]) >= n) return bad();
    std::memcpy(&out[positions[j]], in->data() + j * sizeof(T), sizeof(T));
  }
  in->remove_prefix(count * sizeof(T));
  return Status::OK();
}

}  // namespace

template <typename T>
Status FloatReader<T>::Open(std::string_view* in, size_t n) {
  *this = FloatReader();
  if (n == 0) return Status::OK();
  auto bad = [] { return Status::Corruption("bad float chunk"); };  // built only when needed
  if (in->empty()) return bad();
  const auto scheme = static_cast<FloatScheme>((*in)[0]);
  in->remove_prefix(1);
  if (scheme == FloatScheme::kRaw) {
    if (in->size() < n * sizeof(T)) return bad();
    raw_ = in->data();
    in->remove_prefix(n * sizeof(T));
    return Status::OK();
  }
  EMBODB_RETURN_IF_ERROR(ReadExponents(scheme, in, &e_, &f_));
  EMBODB_RETURN_IF_ERROR(ints_.Open(in, n));
  uint64_t count = 0;
  if (!GetVarint64(in, &count) || count > n) return bad();
  exceptions_ = static_cast<size_t>(count);
  EMBODB_RETURN_IF_ERROR(positions_.Open(in, exceptions_));
  // At binary-searches the positions: they must ascend and lie below n.
  for (size_t j = 0; j < exceptions_; j++) {
    const int64_t p = positions_.At(j);
    if (p < 0 || static_cast<uint64_t>(p) >= n || (j > 0 && p <= positions_.At(j - 1))) return bad();
  }
  if (in->size() < exceptions_ * sizeof(T)) return bad();
  exception_values_ = in->data();
  in->remove_prefix(exceptions_ * sizeof(T));
  return Status::OK();
}

template <typename T>
T FloatReader<T>::At(size_t i) const {
  T v;
  if (raw_ != nullptr) {
    std::memcpy(&v, raw_ + i * sizeof(T), sizeof(T));
    return v;
  }
  size_t lo = 0, hi = exceptions_;
  while (lo < hi) {  // the first exception at or after i
    const size_t mid = (lo + hi) / 2;
    if (static_cast<size_t>(positions_.At(mid)) < i) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < exceptions_ && static_cast<size_t>(positions_.At(lo)) == i) {
    std::memcpy(&v, exception_values_ + lo * sizeof(T), sizeof(T));
    return v;
  }
  return Decoded<T>(ints_.At(i), e_, f_);
}

template class FloatReader<float>;
template class FloatReader<double>;

void EncodeDoubles(const double* values, size_t n, std::string* out, IntLayout layout) {
  EncodeValues(values, n, kMaxExponent, layout, out);
}
Status DecodeDoubles(std::string_view* in, size_t n, double* out) { return DecodeValues(in, n, out); }
// A float has about 7 significant digits: exponents past 10 find nothing more.
void EncodeFloats(const float* values, size_t n, std::string* out, IntLayout layout) {
  EncodeValues(values, n, 10, layout, out);
}
Status DecodeFloats(std::string_view* in, size_t n, float* out) { return DecodeValues(in, n, out); }

}  // namespace embodb::codec
