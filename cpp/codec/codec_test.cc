// The column codecs: round trips of edge values for every codec (decoded
// whole and read one value at a time), the scheme each picks, and corrupt
// or cut-short input reported.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

#include "codec/bitpack.h"
#include "codec/float_codec.h"
#include "codec/int_codec.h"
#include "codec/string_codec.h"

namespace embodb::codec {
namespace {

TEST(BitPackTest, EveryWidthRoundTrips) {
  std::mt19937_64 rng(7);
  for (unsigned width = 0; width <= 64; width++) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{64}, size_t{1001}}) {
      const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
      std::vector<uint64_t> v(n);
      for (auto& x : v) x = rng() & mask;
      if (n > 0) v[0] = mask;  // the widest value
      std::string packed;
      PackBits(v.data(), n, width, &packed);
      ASSERT_EQ(packed.size(), PackedBytes(n, width));
      std::string_view in = packed;
      std::vector<uint64_t> back(n);
      ASSERT_TRUE(UnpackBits(&in, n, width, back.data()).ok());
      EXPECT_TRUE(in.empty());
      EXPECT_EQ(v, back) << "width " << width << ", n " << n;
    }
  }
  std::string_view shortened("\x01", 1);
  std::vector<uint64_t> out(10);
  EXPECT_TRUE(UnpackBits(&shortened, 10, 9, out.data()).IsCorruption());
}

std::vector<int64_t> IntRoundTrip(const std::vector<int64_t>& v, std::string* encoded) {
  encoded->clear();
  EncodeInts(v.data(), v.size(), encoded);
  std::string_view in = *encoded;
  std::vector<int64_t> back(v.size());
  EXPECT_TRUE(DecodeInts(&in, v.size(), back.data()).ok());
  EXPECT_TRUE(in.empty());
  in = *encoded;
  IntReader reader;
  EXPECT_TRUE(reader.Open(&in, v.size()).ok());
  EXPECT_TRUE(in.empty());
  for (size_t i = 0; i < v.size(); i++) EXPECT_EQ(reader.At(i), v[i]) << i;
  return back;
}

TEST(IntCodecTest, EdgeValuesRoundTrip) {
  constexpr int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  std::string enc;
  for (const std::vector<int64_t>& v : std::vector<std::vector<int64_t>>{
           {}, {0}, {lo}, {hi}, {lo, hi}, {hi, lo, 0, -1, 1}, {5, 5, 5, 5}, {-3, -2, -1, 0}}) {
    EXPECT_EQ(IntRoundTrip(v, &enc), v);
  }
}

TEST(IntCodecTest, EvenlySpacedValuesTakeALineAndConstantOnesNoBits) {
  std::vector<int64_t> ts(10000);
  for (size_t i = 0; i < ts.size(); i++) ts[i] = 1'700'000'000'000'000'000 + static_cast<int64_t>(i) * 5'000'000 + (i % 3);
  std::string enc;
  EXPECT_EQ(IntRoundTrip(ts, &enc), ts);
  EXPECT_EQ(enc[0], 1) << "linear scheme";
  EXPECT_LT(enc.size(), ts.size() / 2) << "a 200 Hz clock with jitter needs few bits a sample";
  // Wrapping arithmetic: a line from the smallest to the largest value.
  std::vector<int64_t> wide = {std::numeric_limits<int64_t>::min(), -5, 0, 7, std::numeric_limits<int64_t>::max()};
  EXPECT_EQ(IntRoundTrip(wide, &enc), wide);
  std::vector<int64_t> falling(500);
  for (size_t i = 0; i < falling.size(); i++) falling[i] = 1'000'000 - static_cast<int64_t>(i) * 977;
  EXPECT_EQ(IntRoundTrip(falling, &enc), falling);
  EXPECT_EQ(enc[0], 1) << "a falling line is a line too";
  std::vector<int64_t> same(1000, 42);
  EXPECT_EQ(IntRoundTrip(same, &enc), same);
  EXPECT_LT(enc.size(), 16u);
}

TEST(IntCodecTest, CorruptInputIsReported) {
  std::vector<int64_t> v = {1, 100, 10000};
  std::string enc;
  EncodeInts(v.data(), v.size(), &enc);
  std::vector<int64_t> out(3);
  for (size_t cut = 0; cut < enc.size(); cut++) {
    std::string_view in(enc.data(), cut);
    EXPECT_FALSE(DecodeInts(&in, 3, out.data()).ok()) << cut;
  }
  std::string bad = enc;
  bad[0] = 9;  // no such scheme
  std::string_view in = bad;
  EXPECT_TRUE(DecodeInts(&in, 3, out.data()).IsCorruption());
}

template <typename T>
bool SameBits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

std::vector<double> DoubleRoundTrip(const std::vector<double>& v, std::string* enc) {
  enc->clear();
  EncodeDoubles(v.data(), v.size(), enc);
  std::string_view in = *enc;
  std::vector<double> back(v.size());
  EXPECT_TRUE(DecodeDoubles(&in, v.size(), back.data()).ok());
  EXPECT_TRUE(in.empty());
  in = *enc;
  FloatReader<double> reader;
  EXPECT_TRUE(reader.Open(&in, v.size()).ok());
  EXPECT_TRUE(in.empty());
  for (size_t i = 0; i < v.size(); i++) {
    const double x = reader.At(i);
    EXPECT_EQ(std::memcmp(&x, &v[i], sizeof x), 0) << i;
  }
  return back;
}

TEST(FloatCodecTest, DecimalsCompressAndEveryBitComesBack) {
  std::mt19937_64 rng(3);
  std::vector<double> temps(4096);
  for (auto& t : temps) t = static_cast<double>(static_cast<int64_t>(rng() % 4000) - 2000) / 100.0;  // 2 decimals
  std::string enc;
  EXPECT_TRUE(SameBits(DoubleRoundTrip(temps, &enc), temps));
  EXPECT_EQ(enc[0], 0) << "ALP";
  EXPECT_LT(enc.size(), temps.size() * 2) << "12 bits a value, not 64";
}

TEST(FloatCodecTest, SpecialValuesAreExceptions) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> v = {1.5, -0.0, std::nan(""), inf, -inf, 2.25, std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::max(), 1e300, 0.1, 3.0};
  std::string enc;
  EXPECT_TRUE(SameBits(DoubleRoundTrip(v, &enc), v));
  std::vector<double> nans(100, std::nan(""));
  EXPECT_TRUE(SameBits(DoubleRoundTrip(nans, &enc), nans));
  EXPECT_TRUE(SameBits(DoubleRoundTrip({}, &enc), std::vector<double>{}));
}

TEST(FloatCodecTest, NoiseFallsBackToRaw) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise;
  std::vector<double> v(2000);
  for (auto& x : v) x = noise(rng);
  std::string enc;
  EXPECT_TRUE(SameBits(DoubleRoundTrip(v, &enc), v));
  EXPECT_EQ(enc[0], 1) << "raw";
  EXPECT_EQ(enc.size(), 1 + v.size() * 8);
}

TEST(FloatCodecTest, Float32RoundTrips) {
  std::vector<float> v = {0.1f, 9.81f, -0.0f, std::nanf(""), 1e-30f, 3.4e38f, 12.5f, 0.001f};
  for (int i = 0; i < 1000; i++) v.push_back(static_cast<float>(i) * 0.01f);
  std::string enc;
  EncodeFloats(v.data(), v.size(), &enc);
  std::string_view in = enc;
  std::vector<float> back(v.size());
  ASSERT_TRUE(DecodeFloats(&in, v.size(), back.data()).ok());
  EXPECT_TRUE(SameBits(back, v));
  in = enc;
  FloatReader<float> reader;
  ASSERT_TRUE(reader.Open(&in, v.size()).ok());
  std::vector<float> one_by_one(v.size());
  for (size_t i = 0; i < v.size(); i++) one_by_one[i] = reader.At(i);
  EXPECT_TRUE(SameBits(one_by_one, v));
  EXPECT_LT(enc.size(), v.size() * 4);
}

std::vector<std::string> StringRoundTrip(const std::vector<std::string>& v, std::string* enc) {
  std::vector<std::string_view> views(v.begin(), v.end());
  enc->clear();
  EncodeStrings(views.data(), views.size(), enc);
  std::string_view in = *enc;
  std::string data;
  std::vector<int64_t> offsets;
  EXPECT_TRUE(DecodeStrings(&in, v.size(), &data, &offsets).ok());
  EXPECT_TRUE(in.empty());
  std::vector<std::string> back;
  for (size_t i = 0; i < v.size(); i++) back.push_back(data.substr(offsets[i], offsets[i + 1] - offsets[i]));
  in = *enc;
  StringReader reader;
  EXPECT_TRUE(reader.Open(&in, v.size()).ok());
  EXPECT_TRUE(in.empty());
  for (size_t i = 0; i < v.size(); i++) {
    std::string_view one;
    EXPECT_TRUE(reader.At(i, &one).ok());
    EXPECT_EQ(one, v[i]) << i;
  }
  return back;
}

TEST(StringCodecTest, LabelsBecomeADictionaryAndNamesStayPlain) {
  std::vector<std::string> labels;
  for (int i = 0; i < 1000; i++) labels.push_back(i % 3 == 0 ? "cup" : i % 3 == 1 ? "mug" : std::string("\0bowl", 5));
  std::string enc;
  EXPECT_EQ(StringRoundTrip(labels, &enc), labels);
  EXPECT_EQ(enc[0], 1) << "dictionary";
  EXPECT_LT(enc.size(), 300u);
  std::vector<std::string> names;
  for (int i = 0; i < 100; i++) names.push_back("frame-" + std::to_string(i));
  names.push_back("");
  EXPECT_EQ(StringRoundTrip(names, &enc), names);
  EXPECT_EQ(enc[0], 0) << "plain";
  EXPECT_EQ(StringRoundTrip({}, &enc), std::vector<std::string>{});
  EXPECT_EQ(StringRoundTrip({""}, &enc), std::vector<std::string>{""});
}

TEST(StringCodecTest, CorruptInputIsReported) {
  std::vector<std::string_view> v = {"a", "b", "a", "a", "b", "a"};
  std::string enc;
  EncodeStrings(v.data(), v.size(), &enc);
  std::string data;
  std::vector<int64_t> offsets;
  for (size_t cut = 0; cut < enc.size(); cut++) {
    std::string_view in(enc.data(), cut);
    EXPECT_FALSE(DecodeStrings(&in, v.size(), &data, &offsets).ok()) << cut;
    in = std::string_view(enc.data(), cut);
    StringReader reader;
    EXPECT_FALSE(reader.Open(&in, v.size()).ok()) << cut;
  }
}

std::vector<int64_t> SequentialRoundTrip(const std::vector<int64_t>& v, std::string* encoded) {
  encoded->clear();
  EncodeInts(v.data(), v.size(), encoded, IntLayout::kSequential);
  std::string_view in = *encoded;
  std::vector<int64_t> back(v.size());
  EXPECT_TRUE(DecodeInts(&in, v.size(), back.data()).ok());
  EXPECT_TRUE(in.empty());
  return back;
}

TEST(IntCodecTest, SequentialChunksStoreDeltasWhenSmaller) {
  // A random walk over a wide range: its deltas are small, its range is not.
  std::mt19937_64 rng(3);
  std::vector<int64_t> walk(1000);
  int64_t x = 1'000'000'000'000;
  for (auto& v : walk) v = x += static_cast<int64_t>(rng() % 2001) - 1000;
  std::string enc;
  EXPECT_EQ(SequentialRoundTrip(walk, &enc), walk);
  EXPECT_EQ(enc[0], 2) << "delta";
  std::string random_access;
  EncodeInts(walk.data(), walk.size(), &random_access);
  EXPECT_LT(enc.size() * 10, random_access.size() * 8);
  // Random access refuses it; whole decoding of cut input reports it.
  std::string_view in = enc;
  IntReader reader;
  EXPECT_TRUE(reader.Open(&in, walk.size()).IsCorruption());
  for (size_t cut = 0; cut < enc.size(); cut += 7) {
    std::string_view part(enc.data(), cut);
    std::vector<int64_t> out(walk.size());
    EXPECT_FALSE(DecodeInts(&part, walk.size(), out.data()).ok()) << cut;
  }
  // Edge values, wrapping deltas, and runs of every length.
  constexpr int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  for (const std::vector<int64_t>& v : std::vector<std::vector<int64_t>>{
           {}, {5}, {lo, hi}, {hi, lo, hi, lo, 0, -1, 1}, std::vector<int64_t>(200, 7)}) {
    EXPECT_EQ(SequentialRoundTrip(v, &enc), v);
  }
  for (size_t n : {size_t{2}, size_t{64}, size_t{65}, size_t{66}, size_t{129}, size_t{1024}}) {
    std::vector<int64_t> v(n);
    for (size_t i = 0; i < n; i++) v[i] = static_cast<int64_t>(i * i) * (i % 3 == 0 ? -1 : 1) + lo / 2;
    EXPECT_EQ(SequentialRoundTrip(v, &enc), v) << n;
  }
}

TEST(FloatCodecTest, SequentialDecimalsDivideByExactPowersOfTen) {
  // Seven significant digits, as a CSV of an IMU holds: every one must come
  // back exactly, and in far less than 8 bytes.
  std::mt19937_64 rng(5);
  std::vector<double> v(1024);
  double x = 0.25;
  for (auto& d : v) {
    x += (static_cast<double>(rng() % 2001) - 1000.0) * 1e-4;
    char text[32];
    std::snprintf(text, sizeof(text), "%.7g", x);
    d = std::strtod(text, nullptr);
  }
  v[10] = std::numeric_limits<double>::quiet_NaN();
  v[11] = -0.0;
  v[12] = std::numeric_limits<double>::infinity();
  std::string enc;
  EncodeDoubles(v.data(), v.size(), &enc, IntLayout::kSequential);
  EXPECT_EQ(enc[0], 2) << "ALP, divided";
  EXPECT_LT(enc.size(), v.size() * 4);
  std::string_view in = enc;
  std::vector<double> back(v.size());
  ASSERT_TRUE(DecodeDoubles(&in, v.size(), back.data()).ok());
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(std::memcmp(back.data(), v.data(), v.size() * sizeof(double)), 0);
  // The random-access reader reads the scheme too (it refuses only the
  // integers' delta scheme, which this chunk uses).
  in = enc;
  FloatReader<double> reader;
  EXPECT_TRUE(reader.Open(&in, v.size()).IsCorruption());
  // Floats take the same path.
  std::vector<float> f(v.begin(), v.end());
  enc.clear();
  EncodeFloats(f.data(), f.size(), &enc, IntLayout::kSequential);
  in = enc;
  std::vector<float> fback(f.size());
  ASSERT_TRUE(DecodeFloats(&in, f.size(), fback.data()).ok());
  EXPECT_EQ(std::memcmp(fback.data(), f.data(), f.size() * sizeof(float)), 0);
}

}  // namespace
}  // namespace embodb::codec
