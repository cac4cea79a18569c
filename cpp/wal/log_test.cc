// WAL format tests in the manner of LevelDB's log_test: one test per framing
// case and per corruption mode.
#include <gtest/gtest.h>

#include "testing/test_util.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace embodb::log {

static std::string BigString(const std::string& partial, size_t n) {
  std::string result;
  while (result.size() < n) result.append(partial);
  result.resize(n);
  return result;
}

static std::string NumberString(int n) { return std::to_string(n) + "."; }

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    writer_.reset();
    file_ = env_->NewWritableFile(kName).value();
    writer_ = std::make_unique<Writer>(file_.get());
  }
  void Write(const std::string& msg) { ASSERT_OK(writer_->AddRecord(msg)); }
  std::string Contents() {
    std::string data;
    EXPECT_OK(ReadFileToString(env_.get(), kName, &data));
    return data;
  }
  void SetContents(const std::string& data) {
    writer_.reset();
    file_.reset();
    ASSERT_OK(WriteStringToFile(env_.get(), data, kName, false));
  }
  size_t WrittenBytes() { return Contents().size(); }

  void IncrementByte(size_t offset, int delta) {
    std::string c = Contents();
    c[offset] = static_cast<char>(c[offset] + delta);
    SetContents(c);
  }
  void SetByte(size_t offset, char v) {
    std::string c = Contents();
    c[offset] = v;
    SetContents(c);
  }
  void ShrinkSize(size_t bytes) {
    std::string c = Contents();
    c.resize(c.size() - bytes);
    SetContents(c);
  }
  // Recomputes the checksum of the physical record at header_offset.
  void FixChecksum(size_t header_offset, size_t len) {
    std::string c = Contents();
    uint32_t crc = crc32c::Value(&c[header_offset + 6], 1 + len);
    EncodeFixed32(&c[header_offset], crc32c::Mask(crc));
    SetContents(c);
  }

  // Reads all records; "EOF" ends a clean read, "TORN" a torn tail, and
  // "CORRUPTION" a detected corruption.
  std::vector<std::string> ReadAll() {
    writer_.reset();
    file_.reset();
    auto f = env_->NewSequentialFile(kName).value();
    Reader reader(f.get(), kName);
    std::vector<std::string> out;
    std::string scratch;
    std::string_view record;
    while (reader.ReadRecord(&record, &scratch)) out.emplace_back(record);
    if (!reader.status().ok()) {
      EXPECT_TRUE(reader.status().IsCorruption()) << reader.status().ToString();
      out.push_back("CORRUPTION");
    } else if (reader.torn_tail()) {
      out.push_back("TORN");
      end_of_last_record_ = reader.end_of_last_record();
    } else {
      out.push_back("EOF");
      end_of_last_record_ = reader.end_of_last_record();
    }
    return out;
  }

  using V = std::vector<std::string>;
  const std::string kName = "/log";
  std::unique_ptr<Env> env_ = NewMemEnv();
  std::unique_ptr<WritableFile> file_;
  std::unique_ptr<Writer> writer_;
  uint64_t end_of_last_record_ = 0;
};

TEST_F(LogTest, Empty) { EXPECT_EQ(V{"EOF"}, ReadAll()); }

TEST_F(LogTest, ReadWrite) {
  Write("foo");
  Write("bar");
  Write("");
  Write("xxxx");
  EXPECT_EQ((V{"foo", "bar", "", "xxxx", "EOF"}), ReadAll());
}

TEST_F(LogTest, ManyBlocks) {
  for (int i = 0; i < 100000; i++) Write(NumberString(i));
  auto got = ReadAll();
  ASSERT_EQ(100001u, got.size());
  for (int i = 0; i < 100000; i++) ASSERT_EQ(NumberString(i), got[i]);
  EXPECT_EQ("EOF", got.back());
}

TEST_F(LogTest, Fragmentation) {
  Write("small");
  Write(BigString("medium", 50000));
  Write(BigString("large", 100000));
  EXPECT_EQ((V{"small", BigString("medium", 50000), BigString("large", 100000), "EOF"}), ReadAll());
}

TEST_F(LogTest, MarginalTrailer) {
  // A record that leaves exactly a header's room at the end of the block.
  const int n = kBlockSize - 2 * kHeaderSize;
  Write(BigString("foo", n));
  EXPECT_EQ(kBlockSize - kHeaderSize, WrittenBytes());
  Write("");
  Write("bar");
  EXPECT_EQ((V{BigString("foo", n), "", "bar", "EOF"}), ReadAll());
}

TEST_F(LogTest, ShortTrailer) {
  const int n = kBlockSize - 2 * kHeaderSize + 4;
  Write(BigString("foo", n));
  EXPECT_EQ(kBlockSize - kHeaderSize + 4, WrittenBytes());
  Write("");
  Write("bar");
  EXPECT_EQ((V{BigString("foo", n), "", "bar", "EOF"}), ReadAll());
}

TEST_F(LogTest, AlignedEof) {
  const int n = kBlockSize - 2 * kHeaderSize + 4;
  Write(BigString("foo", n));
  EXPECT_EQ((V{BigString("foo", n), "EOF"}), ReadAll());
}

TEST_F(LogTest, AppendAfterReopenContinuesBlocks) {
  Write("hello");
  uint64_t size = WrittenBytes();
  file_ = env_->NewWritableFile("/log2").value();
  // Copy the content, then continue appending to the copy.
  ASSERT_OK(file_->Append(Contents()));
  writer_ = std::make_unique<Writer>(file_.get(), size);
  ASSERT_OK(writer_->AddRecord(BigString("x", kBlockSize)));
  writer_.reset();
  file_.reset();
  std::string data;
  ASSERT_OK(ReadFileToString(env_.get(), "/log2", &data));
  SetContents(data);
  EXPECT_EQ((V{"hello", BigString("x", kBlockSize), "EOF"}), ReadAll());
}

TEST_F(LogTest, TruncatedTrailingRecordIsTornTail) {
  Write("foo");
  Write("bar");
  size_t good = WrittenBytes();
  ShrinkSize(1);
  EXPECT_EQ((V{"foo", "TORN"}), ReadAll());
  EXPECT_EQ(good - kHeaderSize - 3, end_of_last_record_);
}

TEST_F(LogTest, TruncatedHeaderIsTornTail) {
  Write("foo");
  Write("bar");
  ShrinkSize(3 + 2);  // leaves 5 bytes of the second header
  EXPECT_EQ((V{"foo", "TORN"}), ReadAll());
}

TEST_F(LogTest, TornFragmentedRecord) {
  Write("first");
  Write(BigString("big", 3 * kBlockSize));
  ShrinkSize(100);
  EXPECT_EQ((V{"first", "TORN"}), ReadAll());
}

// A flipped bit in the last record, which is complete, is damage, not a torn
// append: a synced, acknowledged write must not vanish silently.
TEST_F(LogTest, ChecksumMismatchInACompleteLastRecordIsCorruption) {
  Write("foo");
  Write("barbaz");
  IncrementByte(kHeaderSize + 3 + kHeaderSize + 2, 1);
  EXPECT_EQ((V{"foo", "CORRUPTION"}), ReadAll());
}

// An append cut short by power loss can leave the file its full length with
// zeros from a sector boundary on (allocated, never written): a torn tail.
TEST_F(LogTest, LastRecordZeroedFromASectorBoundaryIsTornTail) {
  Write("foo");
  Write(BigString("x", 3000));
  std::string c = Contents();
  for (size_t i = 1024; i < c.size(); i++) c[i] = 0;
  SetContents(c);
  EXPECT_EQ((V{"foo", "TORN"}), ReadAll());
  // Zeros that begin past the last sector boundary are not a torn sector.
  Reopen();
  Write("foo");
  Write(BigString("y", 3000));
  c = Contents();
  c[c.size() - 1] = 0;
  c[c.size() - 2] = 0;
  SetContents(c);
  EXPECT_EQ((V{"foo", "CORRUPTION"}), ReadAll());
}

TEST_F(LogTest, ChecksumMismatchInMiddleIsCorruption) {
  Write("foo");
  Write("bar");
  Write("baz");
  IncrementByte(kHeaderSize + 1, 1);  // payload of "foo"
  EXPECT_EQ((V{"CORRUPTION"}), ReadAll());
}

TEST_F(LogTest, BadChecksumFieldIsCorruption) {
  Write("foo");
  Write("bar");
  IncrementByte(0, 10);
  EXPECT_EQ((V{"CORRUPTION"}), ReadAll());
}

TEST_F(LogTest, BadLengthInMiddleIsCorruption) {
  Write("foo");
  Write("bar");
  Write("baz");
  IncrementByte(4, 100);  // length of the first record now runs past the block's data
  EXPECT_EQ((V{"CORRUPTION"}), ReadAll());
}

TEST_F(LogTest, BadLengthAtTailIsTornTail) {
  Write("foo");
  Write("bar");
  IncrementByte(kHeaderSize + 3 + 4, 100);
  EXPECT_EQ((V{"foo", "TORN"}), ReadAll());
}

TEST_F(LogTest, UnknownRecordTypeInMiddleIsCorruption) {
  Write("foo");
  Write("bar");
  SetByte(6, 9);
  FixChecksum(0, 3);
  EXPECT_EQ((V{"CORRUPTION"}), ReadAll());
}

TEST_F(LogTest, UnknownRecordTypeAtTailIsTornTail) {
  Write("foo");
  Write("bar");
  SetByte(kHeaderSize + 3 + 6, 9);
  FixChecksum(kHeaderSize + 3, 3);
  EXPECT_EQ((V{"foo", "TORN"}), ReadAll());
}

TEST_F(LogTest, MissingFirstFragmentIsCorruptionWhenRecordsFollow) {
  Write(BigString("bar", kBlockSize));  // FIRST in block 0, LAST in block 1
  Write("after");
  // Turn the FIRST fragment into zeros: damage, then the LAST fragment is intact.
  std::string c = Contents();
  std::fill(c.begin(), c.begin() + kBlockSize, '\0');
  SetContents(c);
  EXPECT_EQ((V{"CORRUPTION"}), ReadAll());
}

TEST_F(LogTest, ZeroFilledTailIsTornTail) {
  Write("foo");
  std::string c = Contents();
  c.append(1000, '\0');
  SetContents(c);
  EXPECT_EQ((V{"foo", "TORN"}), ReadAll());
}

TEST_F(LogTest, CorruptionInLaterBlockIsDetected) {
  for (int i = 0; i < 20000; i++) Write(NumberString(i));
  IncrementByte(3 * kBlockSize + 100, 1);
  auto got = ReadAll();
  EXPECT_EQ("CORRUPTION", got.back());
  // Everything before the damaged block was returned, nothing after it.
  EXPECT_LT(got.size(), 20000u);
  for (size_t i = 0; i + 1 < got.size(); i++) ASSERT_EQ(NumberString(static_cast<int>(i)), got[i]);
}

TEST_F(LogTest, RandomFlipsNeverYieldWrongRecords) {
  Random rnd(17);
  std::vector<std::string> written;
  for (int i = 0; i < 300; i++) {
    written.push_back(testing::RandomBytes(&rnd, rnd.Uniform(3000)));
    Write(written.back());
  }
  const std::string pristine = Contents();
  for (int trial = 0; trial < 200; trial++) {
    std::string c = pristine;
    c[rnd.Uniform(c.size())] ^= static_cast<char>(1 + rnd.Uniform(255));
    SetContents(c);
    auto got = ReadAll();
    ASSERT_FALSE(got.empty());
    // Whatever is returned is a prefix of what was written.
    for (size_t i = 0; i + 1 < got.size(); i++) ASSERT_EQ(written[i], got[i]) << trial;
    EXPECT_TRUE(got.back() == "CORRUPTION" || got.back() == "TORN") << trial;
  }
}

}  // namespace embodb::log
