// Columnar blocks of rows: every entry comes back as the exact bytes it was
// added with (rows of every column type, with nulls, rows of an older schema,
// deletions and other entries kept as they are), blocks of mostly non-rows
// stay row blocks, and damaged blocks are reported, never misread. Through
// the engine: flushes and compactions write columnar blocks that gets, scans
// and reopens read.
#include "columnar/row_block_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "lsm/filename.h"
#include "lsm/sstable/table.h"
#include "table/key_codec.h"
#include "table/row_codec.h"
#include "testing/table_fixture.h"
#include "testing/table_test_util.h"
#include "testing/test_util.h"

namespace embodb::columnar {
namespace {

using lsm::sstable::BlockEntry;
using table::Column;
using table::ColumnBuffer;
using table::ColumnView;
using table::T;

constexpr const char* kTypes[] = {"bool",    "int8",   "int16",     "int32",  "int64", "uint8",
                                  "uint16",  "uint32", "uint64",    "float32", "float64", "timestamp",
                                  "string",  "bytes",  "vector(3)", "point3",  "pointcloud(4)"};

// A side part held in memory; counts how often it is read.
class MemorySide final : public lsm::sstable::SidePart {
 public:
  explicit MemorySide(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<std::string_view> Bytes() const override {
    reads++;
    return std::string_view(bytes_);
  }
  mutable int reads = 0;

 private:
  std::string bytes_;
};

// A table "t" (id 7) keyed by int64 "id", with a nullable column of every
// type in `types`.
table::TableDefPtr EveryTypeTable(std::vector<const char*> types = {std::begin(kTypes), std::end(kTypes)}) {
  std::vector<Column> cols = {{"id", T("int64"), true, {}}};
  for (const char* name : types) cols.push_back({std::string("c_") + name, T(name), false, {}});
  auto schema = table::Schema::Create(std::move(cols), "id");
  EXPECT_OK(schema.status());
  auto def = std::make_shared<table::TableDef>();
  def->name = "t";
  def->id = 7;
  def->schema = *schema;
  return def;
}

// Random rows of schema: every cell null one time in five.
std::vector<ColumnBuffer> RandomColumns(const table::Schema& schema, size_t rows, std::mt19937* rng) {
  std::vector<ColumnBuffer> cols;
  for (size_t c = 0; c < schema.size(); c++) {
    ColumnBuffer col(schema.column(c).type);
    for (size_t i = 0; i < rows; i++) {
      if (c != schema.key_only_column() && (*rng)() % 5 == 0) {
        col.AppendNull();
        continue;
      }
      const auto& type = col.type();
      if (type.IsVariable()) {
        std::string v(((*rng)() % 4) * (type.id == table::TypeId::kPointCloud ? 16 : 3), 'x');
        for (char& ch : v) ch = static_cast<char>((*rng)());
        col.AppendBytes(v);
      } else {
        std::vector<uint8_t> bytes(type.FixedWidth());
        for (auto& b : bytes) b = static_cast<uint8_t>((*rng)() % 7);  // small numbers, some repeats
        if (c == schema.key_only_column()) std::memcpy(bytes.data(), &i, sizeof i);
        if (type.id == table::TypeId::kBool) bytes[0] &= 1;
        col.AppendFixed(bytes.data());
      }
    }
    cols.push_back(std::move(col));
  }
  return cols;
}

std::vector<std::string> EncodeRows(const table::Schema& schema, const std::vector<ColumnBuffer>& cols) {
  std::vector<ColumnView> views;
  for (const auto& c : cols) views.push_back(c.view());
  std::vector<std::string> rows;
  for (size_t i = 0; i < cols[0].length(); i++) {
    std::string row(table::EncodedRowSize(schema, views, i), '\0');
    table::EncodeRowTo(schema, views, i, row.data());
    rows.push_back(std::move(row));
  }
  return rows;
}

// Encodes entries as a block, opens it and checks every value.
void ExpectRoundTrip(const RowBlockCodec& codec, const std::vector<BlockEntry>& entries) {
  std::string block, side;
  ASSERT_TRUE(codec.Encode(8, entries.data(), entries.size(), &block, &side));
  MemorySide side_part(side);
  auto values = codec.Open(block, side.empty() ? nullptr : &side_part);
  ASSERT_OK(values.status());
  ASSERT_EQ((*values)->size(), entries.size());
  std::string scratch;
  for (size_t i = 0; i < entries.size(); i++) {
    std::string_view got;
    ASSERT_OK((*values)->Value(i, &scratch, &got));
    EXPECT_EQ(got, entries[i].value) << "entry " << i;
  }
}

TEST(RowBlockCodecTest, EveryEntryComesBackExactly) {
  table::TableDefsById defs;
  auto def = EveryTypeTable();
  defs.Set(def);
  RowBlockCodec codec(&defs);
  std::mt19937 rng(3);
  const auto cols = RandomColumns(def->schema, 300, &rng);
  const std::vector<std::string> rows = EncodeRows(def->schema, cols);
  std::string key = table::RowKeyPrefix(7) + "k";
  EXPECT_EQ(codec.GroupOf(key), 8u);
  EXPECT_EQ(codec.GroupOf("\x11" "abcd"), 0u) << "index entries are not rows";
  std::vector<BlockEntry> entries;
  for (const std::string& row : rows) entries.push_back({key, 1, lsm::kTypeValue, row});
  ExpectRoundTrip(codec, entries);

  // A row written before the last columns were added (a smaller count),
  // deletions, a blob reference and bytes that are no row: kept as they are.
  table::Schema older = def->schema;
  std::vector<Column> first_cols(def->schema.columns().begin(), def->schema.columns().begin() + 5);
  auto small = table::Schema::Create(first_cols, "id");
  ASSERT_OK(small.status());
  std::vector<ColumnBuffer> small_cols(cols.begin(), cols.begin() + 5);
  const std::vector<std::string> short_rows = EncodeRows(*small, small_cols);
  entries[3].value = short_rows[3];
  entries[10] = {key, 1, lsm::kTypeDeletion, ""};
  entries[11] = {key, 1, lsm::kTypeBlobIndex, "\x01\x02\x03"};
  const std::string junk = "\x07not a row";
  entries[12] = {key, 1, lsm::kTypeValue, junk};
  const std::string trailing = rows[13] + "?";
  entries[13].value = trailing;
  ExpectRoundTrip(codec, entries);
}

TEST(RowBlockCodecTest, MostlyNonRowsAndUnknownTablesStayRowBlocks) {
  table::TableDefsById defs;
  auto def = EveryTypeTable();
  defs.Set(def);
  RowBlockCodec codec(&defs);
  std::vector<BlockEntry> deletions(10, BlockEntry{"k", 1, lsm::kTypeDeletion, ""});
  std::string out, side;
  EXPECT_FALSE(codec.Encode(8, deletions.data(), deletions.size(), &out, &side));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(side.empty());
  EXPECT_FALSE(codec.Encode(99, deletions.data(), 1, &out, &side)) << "no table 98";
}

TEST(RowBlockCodecTest, WideColumnsAreKeptApartAndReadOnlyWhenAsked) {
  table::TableDefsById defs;
  auto def = EveryTypeTable({"int32", "vector(64)", "string", "pointcloud(3)", "bytes"});
  defs.Set(def);
  RowBlockCodec codec(&defs);
  std::mt19937 rng(9);
  const std::vector<std::string> rows = EncodeRows(def->schema, RandomColumns(def->schema, 50, &rng));
  std::vector<BlockEntry> entries;
  for (const std::string& row : rows) entries.push_back({"k", 1, lsm::kTypeValue, row});
  std::string block, side;
  ASSERT_TRUE(codec.Encode(8, entries.data(), entries.size(), &block, &side));
  EXPECT_GT(side.size(), 50u * 64 * 4 * 3 / 4) << "most vectors are in the side part";
  EXPECT_LT(block.size(), side.size() / 4);
  MemorySide side_part(side);
  auto values = RowBlockValues::Parse(block, &side_part);
  ASSERT_OK(values.status());
  for (size_t c : {1, 3}) {  // int32, string: in the block
    EXPECT_FALSE((*values)->apart(c));
    ASSERT_OK((*values)->Load(c));
  }
  EXPECT_EQ(side_part.reads, 0);
  for (size_t c : {2, 4, 5}) EXPECT_TRUE((*values)->apart(c));
  ASSERT_OK((*values)->Load(2));
  ASSERT_OK((*values)->Load(4));
  EXPECT_EQ(side_part.reads, 1) << "read once";
  EXPECT_EQ((*values)->reader(2).rows(), 50u);
  // Without its side part, a block with apart columns is refused.
  EXPECT_FALSE(RowBlockValues::Parse(block, nullptr).ok());
  // A side part cut short: an error when read, never a misread.
  MemorySide cut(side.substr(0, side.size() - 1));
  auto short_values = RowBlockValues::Parse(block, &cut);
  ASSERT_OK(short_values.status());
  EXPECT_TRUE((*short_values)->Load(5).IsCorruption());
  std::string scratch;
  std::string_view got;
  EXPECT_FALSE((*short_values)->Value(0, &scratch, &got).ok());
}

TEST(RowBlockCodecTest, DamagedBlocksAreReported) {
  table::TableDefsById defs;
  auto def = EveryTypeTable();
  defs.Set(def);
  RowBlockCodec codec(&defs);
  std::mt19937 rng(5);
  const auto cols = RandomColumns(def->schema, 40, &rng);
  const std::vector<std::string> rows = EncodeRows(def->schema, cols);
  std::vector<BlockEntry> entries;
  for (const std::string& row : rows) entries.push_back({"k", 1, lsm::kTypeValue, row});
  entries[2] = {"k", 1, lsm::kTypeDeletion, ""};
  std::string block, side;
  ASSERT_TRUE(codec.Encode(8, entries.data(), entries.size(), &block, &side));
  ASSERT_FALSE(side.empty());
  MemorySide side_part(side);
  for (size_t cut = 0; cut < block.size(); cut++) {
    EXPECT_FALSE(codec.Open(block.substr(0, cut), &side_part).ok()) << cut;
  }
  // Flipped bytes in the block or its side part: an error, or values that
  // decode (the block checksums catch real damage); never a crash.
  std::string scratch;
  auto read_all = [&](std::string_view b, const MemorySide& s) {
    auto values = codec.Open(b, &s);
    if (!values.ok()) return;
    for (size_t i = 0; i < (*values)->size(); i++) {
      std::string_view got;
      (*values)->Value(i, &scratch, &got).PermitUncheckedError();
    }
  };
  for (size_t at = 0; at < block.size(); at++) {
    std::string bad = block;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    read_all(bad, side_part);
  }
  for (size_t at = 0; at < side.size(); at += 3) {
    std::string bad = side;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    read_all(block, MemorySide(bad));
  }
}

// Through the engine.
using ColumnarTableTest = table::TableFixture;

// Data blocks in the database's tables: {all, columnar}.
std::pair<uint64_t, uint64_t> CountBlocks(Env* env, const lsm::sstable::BlockValueCodec* codec) {
  std::vector<std::string> names;
  EXPECT_OK(env->GetChildren("/db", &names));
  uint64_t all = 0, columnar = 0;
  for (const std::string& name : names) {
    if (!name.ends_with(".sst")) continue;
    const std::string path = "/db/" + name;
    auto size = env->GetFileSize(path);
    EXPECT_OK(size.status());
    auto file = env->NewRandomAccessFile(path);
    EXPECT_OK(file.status());
    auto t = lsm::sstable::Table::Open(std::move(file).value(), path, *size, 1, nullptr, nullptr, codec);
    EXPECT_OK(t.status());
    all += (*t)->properties().num_data_blocks;
    columnar += (*t)->properties().num_columnar_blocks;
  }
  return {all, columnar};
}

TEST_F(ColumnarTableTest, FlushAndCompactionWriteColumnsThatReadsFind) {
  auto t = Create("obs", {{"id", T("int64"), true, {}}, {"x", T("float64"), false, {}}, {"label", T("string"), false, {}}},
                  "id");
  std::vector<int64_t> ids(5000);
  std::vector<double> xs(ids.size());
  ColumnBuffer labels(T("string"));
  for (size_t i = 0; i < ids.size(); i++) {
    ids[i] = static_cast<int64_t>(i) * 3;
    xs[i] = static_cast<double>(i) * 0.25;
    labels.AppendBytes(i % 3 == 0 ? "cup" : "mug");
  }
  table::InputColumns in{{"id", "x", "label"}, {ViewOf(ids, T("int64")), ViewOf(xs, T("float64")), labels.view()},
                         ids.size()};
  ASSERT_OK(Write(*t, in, table::WriteMode::kInsert, nullptr));
  ASSERT_OK(db_->Flush());
  auto [all, columnar] = CountBlocks(env_.get(), row_codec_.get());
  EXPECT_GE(columnar, 4u) << "5000 rows in blocks of at most 1024";
  EXPECT_GE(all, columnar);

  auto check = [&](size_t rows) {
    auto def = catalog_->Find("obs");
    table::ResultBatch got = ScanAll(def);
    ASSERT_EQ(got.rows(), rows);
    for (size_t i = 0; i < rows; i++) {
      ASSERT_EQ(got.columns[0].view().Get<int64_t>(i), ids[i]);
      ASSERT_EQ(got.columns[1].view().Get<double>(i), xs[i]);
      ASSERT_EQ(got.columns[2].view().Bytes(i), i % 3 == 0 ? "cup" : "mug");
    }
    std::vector<int64_t> want = {ids[7], 1, ids[4999]};
    txn::SnapshotReader reader(db_.get(), std::nullopt);
    table::ResultBatch one = table::ResultBatch::ForProjection(def->schema, {1, 2});
    std::vector<uint8_t> found;
    ASSERT_OK(table::ReadRowsByKey(*def, &reader, ViewOf(want, T("int64")), {1, 2}, &one, &found));
    EXPECT_EQ(found, (std::vector<uint8_t>{1, 0, 1}));
    EXPECT_EQ(one.columns[0].view().Get<double>(1), xs[4999]);
    // Many keys, in and between the rows of each block, out of order: each
    // found where a lookup of its own would find it (lookups of one window
    // share a block).
    std::vector<int64_t> many;
    for (size_t i = 0; i < rows; i += 2) {
      many.push_back(ids[i]);
      many.push_back(ids[i] + 1);  // no such row
    }
    std::reverse(many.begin() + static_cast<ptrdiff_t>(many.size() / 2), many.end());
    table::ResultBatch got_many = table::ResultBatch::ForProjection(def->schema, {0, 1});
    ASSERT_OK(table::ReadRowsByKey(*def, &reader, ViewOf(many, T("int64")), {0, 1}, &got_many, &found));
    size_t at = 0;
    for (size_t k = 0; k < many.size(); k++) {
      const bool present = many[k] % 3 == 0 && many[k] / 3 < static_cast<int64_t>(rows);
      ASSERT_EQ(found[k], present ? 1 : 0) << many[k];
      if (!present) continue;
      ASSERT_EQ(got_many.columns[0].view().Get<int64_t>(at), many[k]);
      ASSERT_EQ(got_many.columns[1].view().Get<double>(at), xs[static_cast<size_t>(many[k] / 3)]);
      at++;
    }
  };
  check(ids.size());
  ASSERT_OK(db_->CompactAll());
  check(ids.size());
  Open();
  check(ids.size());
  EXPECT_GE(CountBlocks(env_.get(), row_codec_.get()).second, 4u);

  // A column added later: older rows read it as null, through columns.
  ASSERT_OK(catalog_->AddColumn("obs", {"note", T("string"), false, {}}).status());
  ASSERT_OK(db_->CompactAll());
  auto def = catalog_->Find("obs");
  table::ResultBatch got = ScanAll(def);
  ASSERT_EQ(got.rows(), ids.size());
  EXPECT_TRUE(got.columns[3].view().IsNull(0));
}

// Files of a kind in the database directory.
size_t CountFiles(Env* env, const std::string& suffix) {
  std::vector<std::string> names;
  EXPECT_OK(env->GetChildren("/db", &names));
  size_t n = 0;
  for (const std::string& name : names) n += name.ends_with(suffix);
  return n;
}

TEST_F(ColumnarTableTest, LargeRowsStayInColumnsAndComeBackFromBlobFiles) {
  // Rows of 8 KiB (a 2048-d vector): above min_blob_size, so other values
  // this large go to blob files; a table's rows stay in its columnar
  // blocks, the vectors in their side blocks.
  auto t = Create("big", {{"id", T("int64"), true, {}}, {"n", T("int32"), false, {}},
                          {"v", T("vector(2048)"), false, {}}}, "id");
  const size_t rows = 300;
  std::vector<int64_t> ids(rows);
  std::vector<int32_t> ns(rows);
  std::vector<float> vs(rows * 2048);
  for (size_t i = 0; i < rows; i++) {
    ids[i] = static_cast<int64_t>(i);
    ns[i] = static_cast<int32_t>(i * 7);
    for (size_t j = 0; j < 2048; j++) vs[i * 2048 + j] = static_cast<float>(i) + static_cast<float>(j) / 4096;
  }
  auto write = [&] {
    table::InputColumns in{{"id", "n", "v"},
                           {ViewOf(ids, T("int64")), ViewOf(ns, T("int32")),
                            table::ColumnView{T("vector(2048)"), rows, reinterpret_cast<const uint8_t*>(vs.data())}},
                           rows};
    ASSERT_OK(Write(*t, in, table::WriteMode::kUpsert, nullptr));
  };
  auto check = [&] {
    table::ResultBatch got = ScanAll(catalog_->Find("big"));
    ASSERT_EQ(got.rows(), rows);
    for (size_t i = 0; i < rows; i += 37) {
      ASSERT_EQ(got.columns[1].view().Get<int32_t>(i), ns[i]);
      ASSERT_EQ(std::memcmp(got.columns[2].view().Fixed(i), &vs[i * 2048], 2048 * 4), 0) << i;
    }
  };
  write();
  ASSERT_OK(db_->Flush());
  EXPECT_EQ(CountFiles(env_.get(), ".blob"), 0u);
  EXPECT_GE(CountBlocks(env_.get(), row_codec_.get()).second, 1u);
  check();

  // A database that put them in blob files (an older one, or one whose
  // limit was lower): compaction brings them back into the tables.
  options_.min_columnar_blob_size = 4096;
  Open();
  ns[0] = -1;
  write();
  ASSERT_OK(db_->Flush());
  EXPECT_GE(CountFiles(env_.get(), ".blob"), 1u);
  check();
  options_.min_columnar_blob_size = size_t{1} << 20;
  Open();
  ASSERT_OK(db_->CompactAll());
  check();
  EXPECT_EQ(CountFiles(env_.get(), ".blob"), 0u) << "every blob came back, and the file went";
  EXPECT_GE(CountBlocks(env_.get(), row_codec_.get()).second, 1u);
}

}  // namespace
}  // namespace embodb::columnar
