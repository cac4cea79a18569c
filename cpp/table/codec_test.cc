// Column types, schemas, keys and rows: round trips and order preservation.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "table/column_type.h"
#include "table/conform.h"
#include "table/index_codec.h"
#include "table/key_codec.h"
#include "table/row_codec.h"
#include "table/schema.h"
#include "testing/table_test_util.h"
#include "testing/test_util.h"

namespace embodb::table {
namespace {

TEST(ColumnTypeTest, NamesRoundTrip) {
  for (const char* name : {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                           "float32", "float64", "string", "bytes", "timestamp", "vector(384)", "point3",
                           "pointcloud(4)"}) {
    EXPECT_EQ(T(name).Name(), name);
  }
  EXPECT_EQ(T("text"), T("string"));
  EXPECT_EQ(T("pointcloud"), T("pointcloud(3)"));
  EXPECT_EQ(T("vector(8)").FixedWidth(), 32u);
  EXPECT_TRUE(T("string").IsVariable());
}

TEST(ColumnTypeTest, BadNamesAreSchemaErrors) {
  for (const char* bad : {"int128", "vector", "vector(0)", "vector(x)", "int64(3)", "vector(3", "pointcloud(100)"}) {
    auto t = ColumnType::Parse(bad);
    EXPECT_TRUE(t.status().IsSchema()) << bad;
  }
}

TEST(SchemaTest, EncodeDecodeRoundTrip) {
  std::vector<Column> cols = {
      {"id", T("int64"), false, {}},
      {"label", T("string"), false, Value::String("none")},
      {"emb", T("vector(16)"), true, {}},
      {"score", T("float32"), false, Value::Double(0.5)},
  };
  auto schema = Schema::Create(cols, "id");
  ASSERT_OK(schema.status());
  EXPECT_TRUE(schema->column(0).not_null);  // the primary key is not_null
  std::string enc;
  schema->EncodeTo(&enc);
  std::string_view in = enc;
  auto back = Schema::Decode(&in);
  ASSERT_OK(back.status());
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(back->columns(), schema->columns());
  EXPECT_EQ(back->key_only_column(), 0u);
  for (size_t cut = 0; cut < enc.size(); cut++) {
    std::string_view part(enc.data(), cut);
    EXPECT_FALSE(Schema::Decode(&part).ok()) << cut;
  }
}

TEST(SchemaTest, RejectsBadDefinitions) {
  EXPECT_TRUE(Schema::Create({{"a", T("int64"), false, {}}, {"a", T("int32"), false, {}}}, "").status().IsSchema());
  EXPECT_TRUE(Schema::Create({{"v", T("vector(3)"), false, {}}}, "v").status().IsSchema());
  EXPECT_TRUE(Schema::Create({{"a", T("int64"), false, {}}}, "b").status().IsSchema());
  EXPECT_TRUE(Schema::Create({{"a", T("int8"), false, Value::Int(300)}}, "").status().IsSchema());
  EXPECT_TRUE(Schema::Create({{"_id", T("int64"), false, {}}}, "").status().IsSchema());
  EXPECT_TRUE(Schema::Create({}, "").status().IsSchema());
  auto auto_id = Schema::Create({{"x", T("float64"), false, {}}}, "");
  ASSERT_OK(auto_id.status());
  EXPECT_TRUE(auto_id->auto_id());
  EXPECT_EQ(auto_id->column(0).name, "_id");
  Schema s = *auto_id;
  EXPECT_TRUE(s.AddColumn({"y", T("int32"), true, {}}).IsSchema());  // not_null needs a default
  EXPECT_OK(s.AddColumn({"y", T("int32"), true, Value::Int(7)}));
  EXPECT_TRUE(s.AddColumn({"y", T("int32"), false, {}}).IsSchema());
}

TEST(KeyCodecTest, IntegerKeysSortNumerically) {
  std::vector<int64_t> values = {std::numeric_limits<int64_t>::min(), -1000, -1, 0, 1, 7, 1 << 20,
                                 std::numeric_limits<int64_t>::max()};
  const ColumnView view = ViewOf(values, T("int64"));
  std::vector<std::string> keys(values.size());
  for (size_t i = 0; i < values.size(); i++) AppendKeyOf(view, i, &keys[i]);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  ColumnBuffer back(T("int64"));
  for (const auto& k : keys) ASSERT_OK(DecodeKeyInto(k, &back));
  for (size_t i = 0; i < values.size(); i++) EXPECT_EQ(back.view().Get<int64_t>(i), values[i]);
  std::string from_value;
  ASSERT_OK(AppendKeyValue(T("int64"), Value::Int(-1), &from_value));
  EXPECT_EQ(from_value, keys[2]);
  EXPECT_TRUE(AppendKeyValue(T("int16"), Value::Int(1 << 20), &from_value).IsSchema());
  EXPECT_TRUE(AppendKeyValue(T("int64"), Value::String("x"), &from_value).IsSchema());
}

TEST(KeyCodecTest, NarrowAndUnsignedKeysRoundTrip) {
  std::vector<int16_t> small = {-300, -1, 0, 5, 32767};
  ColumnBuffer back(T("int16"));
  std::string prev;
  for (size_t i = 0; i < small.size(); i++) {
    std::string k;
    AppendKeyOf(ViewOf(small, T("int16")), i, &k);
    EXPECT_LT(prev, k);
    prev = k;
    ASSERT_OK(DecodeKeyInto(k, &back));
    EXPECT_EQ(back.view().Get<int16_t>(i), small[i]);
  }
  std::vector<uint64_t> big = {0, 1, std::numeric_limits<uint64_t>::max()};
  std::string k;
  AppendKeyOf(ViewOf(big, T("uint64")), 2, &k);
  EXPECT_EQ(*DecodeKeyValue(T("uint64"), k), Value::UInt(std::numeric_limits<uint64_t>::max()));
  // A malformed integer key is reported, not read as some value.
  EXPECT_TRUE(DecodeKeyInto("short", &back).IsCorruption());
  EXPECT_TRUE(DecodeKeyValue(T("int64"), "short").status().IsCorruption());
  auto schema = Schema::Create({{"id", T("int64"), false, {}}}, "id");
  ASSERT_OK(schema.status());
  EXPECT_EQ(KeyText(*schema, "short"), "<a malformed key>");
}

// Composite keys: byte order is tuple order (strings with 0x00 and 0xff
// bytes, negative timestamps), values come back exactly, and the keys of
// one leading value share its encoding as a prefix.
TEST(KeyCodecTest, CompositeKeysSortAsTuplesAndRoundTrip) {
  auto schema = Schema::Create({{"robot", T("string"), false, {}}, {"ts", T("timestamp"), false, {}},
                                {"x", T("float64"), false, {}}},
                               std::vector<std::string>{"robot", "ts"});
  ASSERT_OK(schema.status());
  EXPECT_TRUE(schema->composite_key());
  EXPECT_EQ(schema->key_only_column(), kNoColumn);
  EXPECT_EQ(schema->KeyName(), "(robot, ts)");
  const std::vector<std::string> robots = {"", std::string(1, '\0'), std::string("a\0", 2), "a", std::string("a\0b", 3),
                                           "a\x01", "ab", "b", "\xff", "\xff\xff"};
  const std::vector<int64_t> times = {INT64_MIN, -5, 0, 7, INT64_MAX};
  std::vector<std::pair<std::pair<std::string, int64_t>, std::string>> keys;
  for (const std::string& r : robots) {
    for (int64_t t : times) {
      std::string k;
      ASSERT_OK(AppendKeyValues(*schema, {Value::String(r), Value::Int(t)}, &k));
      keys.push_back({{r, t}, k});
      auto back = DecodeKeyValues(*schema, k);
      ASSERT_OK(back.status());
      EXPECT_EQ((*back)[0], Value::String(r));
      EXPECT_EQ((*back)[1], Value::Int(t));
    }
  }
  for (size_t i = 0; i < keys.size(); i++) {
    for (size_t j = 0; j < keys.size(); j++) {
      EXPECT_EQ(keys[i].first < keys[j].first, keys[i].second < keys[j].second) << i << " " << j;
    }
  }
  // Every key of robot "a" starts with the encoding of "a" alone, which no
  // key of another robot does.
  std::string a_prefix;
  ColumnBuffer a(T("string"));
  a.AppendBytes("a");
  AppendIndexValue(a.view(), 0, &a_prefix);
  for (const auto& [tuple, k] : keys) EXPECT_EQ(k.starts_with(a_prefix), tuple.first == "a") << k;
  EXPECT_EQ(KeyText(*schema, keys[3 * times.size() + 3].second), "('a', 7)");
  // Wrong shapes and malformed bytes are errors, not some key.
  std::string k;
  EXPECT_TRUE(AppendKeyValues(*schema, {Value::String("a")}, &k).IsSchema());
  EXPECT_TRUE(AppendKeyValues(*schema, {Value::Int(1), Value::Int(2)}, &k).IsSchema());
  EXPECT_TRUE(AppendKeyValues(*schema, {Value::String("a"), Value()}, &k).IsSchema());
  EXPECT_TRUE(DecodeKeyValues(*schema, keys[0].second + "x").status().IsCorruption());
  EXPECT_TRUE(DecodeKeyValues(*schema, keys[0].second.substr(0, 3)).status().IsCorruption());
  EXPECT_EQ(KeyText(*schema, "\x07"), "<a malformed key>");
  // The schema survives the catalog's encoding (format 2).
  std::string encoded;
  schema->EncodeTo(&encoded);
  EXPECT_EQ(encoded[0], 2);
  std::string_view in = encoded;
  auto decoded = Schema::Decode(&in);
  ASSERT_OK(decoded.status());
  EXPECT_EQ(decoded->key_columns(), (std::vector<size_t>{0, 1}));
  // A key column named twice, or one that cannot be a key, is refused.
  EXPECT_FALSE(Schema::Create({{"a", T("int64"), false, {}}}, std::vector<std::string>{"a", "a"}).ok());
  EXPECT_FALSE(
      Schema::Create({{"a", T("int64"), false, {}}, {"f", T("float32"), false, {}}}, std::vector<std::string>{"a", "f"})
          .ok());
}

// Builds a string column from std::strings.
ColumnBuffer Strings(const std::vector<std::string>& v, ColumnType t = ColumnType{TypeId::kString, 0}) {
  ColumnBuffer b(t);
  for (const auto& s : v) b.AppendBytes(s);
  return b;
}

TEST(RowCodecTest, RoundTripWithNullsAndMissingTrailingColumns) {
  auto schema = Schema::Create({{"id", T("int64"), false, {}},
                                {"name", T("string"), false, {}},
                                {"pos", T("point3"), false, {}},
                                {"cloud", T("pointcloud(3)"), false, {}}},
                               "id");
  ASSERT_OK(schema.status());
  std::vector<int64_t> ids = {1, 2};
  ColumnBuffer names = Strings({"a", ""});
  std::vector<float> pos = {1, 2, 3, 4, 5, 6};
  ColumnBuffer cloud(T("pointcloud(3)"));
  std::vector<float> pts = {0, 1, 2, 3, 4, 5};
  cloud.AppendBytes(std::string_view(reinterpret_cast<const char*>(pts.data()), pts.size() * 4));
  cloud.AppendNull();
  std::vector<ColumnView> cols = {ViewOf(ids, T("int64")), names.view(), ViewOf(pos, T("point3")), cloud.view()};
  std::vector<std::string> rows(2);
  for (size_t i = 0; i < 2; i++) {
    rows[i].resize(EncodedRowSize(*schema, cols, i));
    char* end = EncodeRowTo(*schema, cols, i, rows[i].data());
    ASSERT_EQ(end, rows[i].data() + rows[i].size());  // the size was exact
  }

  Schema grown = *schema;
  ASSERT_OK(grown.AddColumn({"flag", T("bool"), false, Value::Bool(true)}));
  std::vector<ColumnBuffer> out;
  for (const auto& c : grown.columns()) out.emplace_back(c.type);
  std::vector<ColumnBuffer*> outs = {nullptr, &out[1], &out[2], &out[3], &out[4]};
  for (const auto& r : rows) ASSERT_OK(DecodeRow(grown, r, outs.data()));
  EXPECT_EQ(out[1].view().Bytes(0), "a");
  EXPECT_EQ(out[1].view().Bytes(1), "");
  EXPECT_FALSE(out[1].view().IsNull(1));
  EXPECT_EQ(out[2].view().Get<float>(5), 6.0f);
  EXPECT_EQ(out[3].view().Bytes(0).size(), 24u);
  EXPECT_TRUE(out[3].view().IsNull(1));
  EXPECT_EQ(out[4].view().Get<uint8_t>(0), 1);  // the default of a column added later

  for (size_t cut = 0; cut < rows[0].size(); cut++) {
    ColumnBuffer scratch1(T("string")), scratch2(T("point3")), scratch3(T("pointcloud(3)"));
    std::vector<ColumnBuffer*> o = {nullptr, &scratch1, &scratch2, &scratch3};
    EXPECT_FALSE(DecodeRow(*schema, std::string_view(rows[0]).substr(0, cut), o.data()).ok()) << cut;
  }
}

TEST(ConformTest, ChecksRangesCastsAndFloats) {
  Column small{"small", T("int8"), false, {}};
  std::vector<int64_t> ok = {1, -128, 127};
  auto c = ConformColumn(ViewOf(ok, T("int64")), small);
  ASSERT_OK(c.status());
  EXPECT_EQ(c->view.Get<int8_t>(1), -128);
  std::vector<int64_t> bad = {1, 128};
  auto e = ConformColumn(ViewOf(bad, T("int64")), small);
  EXPECT_TRUE(e.status().IsSchema());
  EXPECT_NE(e.status().message().find("row 1"), std::string::npos) << e.status().ToString();

  std::vector<double> floats = {1.5};
  EXPECT_TRUE(ConformColumn(ViewOf(floats, T("float64")), small).status().IsSchema());  // float -> int
  Column f32{"f", T("float32"), false, {}};
  ASSERT_OK(ConformColumn(ViewOf(floats, T("float64")), f32).status());
  std::vector<double> huge = {1e300};
  EXPECT_TRUE(ConformColumn(ViewOf(huge, T("float64")), f32).status().IsSchema());

  Column vec{"v", T("vector(2)"), false, {}};
  std::vector<float> good = {1, 2, 3, 4};
  ASSERT_OK(ConformColumn(ViewOf(good, T("vector(2)")), vec).status());
  EXPECT_TRUE(ConformColumn(ViewOf(good, T("vector(4)")), vec).status().IsSchema());
  std::vector<float> nan = {1, 2, 3, std::numeric_limits<float>::quiet_NaN()};
  auto n = ConformColumn(ViewOf(nan, T("vector(2)")), vec);
  EXPECT_TRUE(n.status().IsInvalidArgument());
  EXPECT_NE(n.status().message().find("row 1"), std::string::npos);

  Column nn{"s", T("string"), true, {}};
  ColumnBuffer with_null(T("string"));
  with_null.AppendBytes("x");
  with_null.AppendNull();
  EXPECT_TRUE(ConformColumn(with_null.view(), nn).status().IsSchema());
  EXPECT_TRUE(ConformColumn(with_null.view(), small).status().IsSchema());  // string -> int

  Column cloud{"c", T("pointcloud(3)"), false, {}};
  ColumnBuffer partial(T("pointcloud(3)"));
  partial.AppendBytes(std::string(16, '\0'));  // 4 floats: not whole points
  EXPECT_TRUE(ConformColumn(partial.view(), cloud).status().IsSchema());
}

}  // namespace
}  // namespace embodb::table
