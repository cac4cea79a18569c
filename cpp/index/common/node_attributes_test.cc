// NodeAttributes: which columns it holds, values read from encoded rows
// (NULLs, defaults of columns added later, the primary key), clearing,
// renumbering and the checkpoint encoding.
#include "index/common/node_attributes.h"

#include <gtest/gtest.h>

#include "table/key_codec.h"
#include "table/row_codec.h"
#include "testing/table_test_util.h"
#include "testing/test_util.h"

namespace embodb::table {
namespace {

// The indexes under test live in the index layer; the fixtures are the table layer's.
using index::NodeAttributes;

class NodeAttributesTest : public ::testing::Test {
 protected:
  NodeAttributesTest() {
    auto schema = Schema::Create({{"id", T("int64"), false, {}},
                                  {"emb", T("vector(2)"), false, {}},
                                  {"cat", T("int32"), false, {}},
                                  {"label", T("string"), false, {}},
                                  {"w", T("float64"), false, {}}},
                                 "id");
    EXPECT_OK(schema.status());
    schema_ = *schema;
  }

  // Encodes row (id, cat, label, w) with w NULL when w_null, label NULL
  // when null_label; appends key and row.
  void AddRow(int64_t id, int32_t cat, double w, bool w_null = false, std::string_view label = "x",
              bool null_label = false) {
    std::vector<ColumnBuffer> cols;
    for (const auto& c : schema_.columns()) cols.emplace_back(c.type);
    cols[0].AppendValue(Value::Int(id));
    const float v[2] = {1, 2};
    cols[1].AppendFixed(v);
    cols[2].AppendValue(Value::Int(cat));
    if (null_label) {
      cols[3].AppendNull();
    } else {
      cols[3].AppendValue(Value::String(label));
    }
    if (w_null) {
      cols[4].AppendNull();
    } else {
      cols[4].AppendValue(Value::Double(w));
    }
    std::vector<ColumnView> views;
    for (const auto& c : cols) views.push_back(c.view());
    std::string row(EncodedRowSize(schema_, views, 0), '\0');
    EncodeRowTo(schema_, views, 0, row.data());
    std::string key;
    AppendKeyOf(views[0], 0, &key);
    keys_.push_back(key);
    rows_.push_back(row);
  }

  std::vector<std::string_view> Keys() const { return {keys_.begin(), keys_.end()}; }
  std::vector<std::string_view> Rows() const { return {rows_.begin(), rows_.end()}; }

  // Value n of an integer view, of whichever width it is stored in.
  static int64_t IntOf(const ColumnView& v, size_t n) {
    switch (v.type.id) {
      case TypeId::kInt8: return v.Get<int8_t>(n);
      case TypeId::kUInt8: return v.Get<uint8_t>(n);
      case TypeId::kInt16: return v.Get<int16_t>(n);
      case TypeId::kUInt16: return v.Get<uint16_t>(n);
      case TypeId::kInt32: return v.Get<int32_t>(n);
      case TypeId::kUInt32: return v.Get<uint32_t>(n);
      case TypeId::kInt64: return v.Get<int64_t>(n);
      default: ADD_FAILURE() << "not an integer view"; return 0;
    }
  }

  // Column `position` of node n: its value as int64/double, or "null".
  std::string ValueAt(const NodeAttributes& a, size_t position, size_t n) const {
    std::vector<ColumnView> views(schema_.size() + 1);
    a.Views(0, a.rows(), &views);
    const ColumnView& v = views[position];
    if (v.IsNull(n)) return "null";
    if (v.type.id == TypeId::kFloat64) return std::to_string(v.Get<double>(n));
    return std::to_string(IntOf(v, n));
  }

  static std::string Encoded(const NodeAttributes& a) {
    std::string out;
    a.EncodeTo(&out);
    return out;
  }
  // Decodes all of `encoded` into *into; sets *fits. Corruption when bytes
  // are left over.
  static Status Load(std::string_view encoded, NodeAttributes* into, bool* fits) {
    EMBODB_RETURN_IF_ERROR(into->DecodeFrom(&encoded, fits));
    return encoded.empty() ? Status::OK() : Status::Corruption("bytes left over");
  }

  // The code node n holds in the coded column at position, or -1 for NULL.
  int64_t CodeAt(const NodeAttributes& a, size_t position, size_t n) const {
    std::vector<ColumnView> views(schema_.size());
    a.Views(0, a.rows(), &views);
    const ColumnView& v = views[position];
    EXPECT_TRUE(v.type.id == TypeId::kUInt8 || v.type.id == TypeId::kUInt16);
    return v.IsNull(n) ? int64_t{-1} : IntOf(v, n);
  }

  Schema schema_;
  std::vector<std::string> keys_, rows_;
};

TEST_F(NodeAttributesTest, HoldsScalarAndStringColumnsAndThePrimaryKey) {
  NodeAttributes a(schema_);
  EXPECT_EQ(a.positions(), (std::vector<size_t>{0, 2, 3, 4}));
  EXPECT_TRUE(a.Holds({0, 4}));
  EXPECT_TRUE(a.Holds({}));
  EXPECT_TRUE(a.Holds({2, 3}));
  EXPECT_TRUE(a.Coded(3));
  EXPECT_FALSE(a.Coded(2));
  EXPECT_FALSE(a.Holds({1}));  // a vector
  auto keyed = Schema::Create({{"name", T("string"), false, {}}, {"emb", T("vector(2)"), false, {}}}, "name");
  ASSERT_OK(keyed.status());
  EXPECT_TRUE(NodeAttributes(*keyed).positions().empty());  // a string key: every value distinct
}

TEST_F(NodeAttributesTest, StringsAreHeldAsCodesOfADictionary) {
  NodeAttributes a(schema_);
  AddRow(1, 0, 0, false, "cup");
  AddRow(2, 0, 0, false, "mug");
  AddRow(3, 0, 0, false, "cup");
  AddRow(4, 0, 0, false, "", /*null_label=*/true);
  AddRow(5, 0, 0, false, "");  // the empty string is a word, not NULL
  ASSERT_OK(a.Set(schema_, {0, 1, 2, 3, 4}, Keys(), Rows()));
  EXPECT_EQ(a.CodeOf(3, "cup"), 0u);
  EXPECT_EQ(a.CodeOf(3, "mug"), 1u);
  EXPECT_EQ(a.CodeOf(3, ""), 2u);
  EXPECT_EQ(a.CodeOf(3, "box"), NodeAttributes::kNoCode);
  EXPECT_EQ(CodeAt(a, 3, 0), 0);
  EXPECT_EQ(CodeAt(a, 3, 1), 1);
  EXPECT_EQ(CodeAt(a, 3, 2), 0);
  EXPECT_EQ(CodeAt(a, 3, 3), -1);
  EXPECT_EQ(CodeAt(a, 3, 4), 2);

  a.Renumber({4, 3, 2, 1, 0});
  EXPECT_EQ(CodeAt(a, 3, 4), 0);
  EXPECT_EQ(CodeAt(a, 3, 1), -1);
  a.Clear(3);
  EXPECT_EQ(CodeAt(a, 3, 3), -1);

  NodeAttributes b(schema_);
  bool fits = false;
  ASSERT_OK(Load(Encoded(a), &b, &fits));
  ASSERT_TRUE(fits);
  EXPECT_EQ(b.CodeOf(3, "mug"), 1u);
  EXPECT_EQ(CodeAt(b, 3, 4), 0);
  EXPECT_EQ(CodeAt(b, 3, 0), 2);
  // A new word after loading continues the codes.
  AddRow(6, 0, 0, false, "box");
  ASSERT_OK(b.Set(schema_, {5}, {keys_.back()}, {rows_.back()}));
  EXPECT_EQ(b.CodeOf(3, "box"), 3u);
  EXPECT_EQ(CodeAt(b, 3, 5), 3);

  // A code naming no word is corruption: one row of "cup", its dictionary
  // (count 1, then length 3 and "cup") replaced by an empty one.
  keys_.clear();
  rows_.clear();
  AddRow(1, 0, 0, false, "cup");
  NodeAttributes one(schema_);
  ASSERT_OK(one.Set(schema_, {0}, Keys(), Rows()));
  std::string short_dictionary = Encoded(one);
  const size_t at = short_dictionary.find(std::string("\x01\x03" "cup", 5));
  ASSERT_NE(at, std::string::npos);
  short_dictionary.replace(at, 5, std::string(1, '\0'));
  NodeAttributes c(schema_);
  EXPECT_TRUE(Load(short_dictionary, &c, &fits).IsCorruption());
}

TEST_F(NodeAttributesTest, TooManyDistinctStringsDropTheColumnForGood) {
  NodeAttributes a(schema_);
  std::vector<uint32_t> nodes;
  for (size_t i = 0; i <= NodeAttributes::kMaxWords; i++) {
    AddRow(static_cast<int64_t>(i), 7, 0, false, "name-" + std::to_string(i));
    nodes.push_back(static_cast<uint32_t>(i));
  }
  ASSERT_OK(a.Set(schema_, nodes, Keys(), Rows()));
  EXPECT_FALSE(a.Coded(3));
  EXPECT_FALSE(a.Holds({3}));
  EXPECT_EQ(a.positions(), (std::vector<size_t>{0, 2, 4}));
  EXPECT_EQ(ValueAt(a, 2, 100), "7");  // the other columns are set all the same
  NodeAttributes b(schema_);
  bool fits = false;
  ASSERT_OK(Load(Encoded(a), &b, &fits));
  EXPECT_TRUE(fits);  // the same columns, one of them dropped: not read again from the table
  EXPECT_FALSE(b.Holds({3}));
  EXPECT_EQ(ValueAt(b, 2, 100), "7");
}

TEST_F(NodeAttributesTest, SetsClearsAndRenumbers) {
  NodeAttributes a(schema_);
  AddRow(10, 7, 0.5);
  AddRow(-3, 8, 0, /*w_null=*/true);
  AddRow(99, 9, 2.5);
  ASSERT_OK(a.Set(schema_, {4, 0, 2}, Keys(), Rows()));
  EXPECT_EQ(a.rows(), 5u);
  EXPECT_EQ(ValueAt(a, 0, 4), "10");
  EXPECT_EQ(ValueAt(a, 0, 0), "-3");
  EXPECT_EQ(ValueAt(a, 2, 2), "9");
  EXPECT_EQ(ValueAt(a, 4, 0), "null");
  EXPECT_EQ(ValueAt(a, 4, 4), "0.500000");

  a.Clear(4);
  EXPECT_EQ(ValueAt(a, 0, 4), "null");
  EXPECT_EQ(ValueAt(a, 2, 4), "null");
  // Set again: no longer NULL.
  ASSERT_OK(a.Set(schema_, {4}, {keys_[0]}, {rows_[0]}));
  EXPECT_EQ(ValueAt(a, 2, 4), "7");

  // new_of_old: 0->3, 1->1, 2->0, 3->2, 4->4.
  a.Renumber({3, 1, 0, 2, 4});
  EXPECT_EQ(ValueAt(a, 0, 3), "-3");
  EXPECT_EQ(ValueAt(a, 4, 3), "null");
  EXPECT_EQ(ValueAt(a, 2, 0), "9");
  EXPECT_EQ(ValueAt(a, 2, 4), "7");
}

TEST_F(NodeAttributesTest, BadRowChangesNothing) {
  NodeAttributes a(schema_);
  AddRow(1, 5, 1.0);
  ASSERT_OK(a.Set(schema_, {0}, Keys(), Rows()));
  rows_.push_back(std::string("\x01\x05", 2));  // a header without its bitmap
  keys_.push_back(keys_[0]);
  AddRow(2, 6, 2.0);
  EXPECT_TRUE(a.Set(schema_, {0, 1, 2}, {keys_[1], keys_[1], keys_[2]}, {rows_[0], rows_[1], rows_[2]})
                  .IsCorruption());
  EXPECT_EQ(a.rows(), 1u);
  EXPECT_EQ(ValueAt(a, 2, 0), "5");
}

TEST_F(NodeAttributesTest, RowsOlderThanAColumnReadItsDefault) {
  AddRow(1, 5, 1.0);
  Schema grown = schema_;
  ASSERT_OK(grown.AddColumn({"level", T("int16"), false, Value::Int(42)}));
  ASSERT_OK(grown.AddColumn({"note", T("float32"), false, {}}));
  NodeAttributes a(grown);
  EXPECT_EQ(a.positions(), (std::vector<size_t>{0, 2, 3, 4, 5, 6}));
  ASSERT_OK(a.Set(grown, {0}, Keys(), Rows()));
  std::vector<ColumnView> views(grown.size());
  a.Views(0, 1, &views);
  EXPECT_EQ(IntOf(views[5], 0), 42);
  EXPECT_TRUE(views[6].IsNull(0));
}

TEST_F(NodeAttributesTest, EncodingRoundTripsAndNoticesAddedColumns) {
  NodeAttributes a(schema_);
  AddRow(10, 7, 0.5);
  AddRow(11, 8, 0, /*w_null=*/true);
  ASSERT_OK(a.Set(schema_, {0, 1}, Keys(), Rows()));
  const std::string encoded = Encoded(a);

  NodeAttributes b(schema_);
  bool fits = false;
  ASSERT_OK(Load(encoded, &b, &fits));
  EXPECT_TRUE(fits);
  EXPECT_EQ(b.rows(), 2u);
  EXPECT_EQ(ValueAt(b, 2, 1), "8");
  EXPECT_EQ(ValueAt(b, 4, 1), "null");

  Schema grown = schema_;
  ASSERT_OK(grown.AddColumn({"level", T("int16"), false, {}}));
  NodeAttributes c(grown);
  ASSERT_OK(Load(encoded, &c, &fits));
  EXPECT_FALSE(fits);

  for (size_t cut = 0; cut < encoded.size(); cut++) {
    NodeAttributes d(schema_);
    std::string_view part(encoded.data(), cut);
    Status s = d.DecodeFrom(&part, &fits);
    EXPECT_TRUE(s.IsCorruption() || !part.empty() || !fits) << cut;
  }
}

TEST_F(NodeAttributesTest, IntegersAreStoredInTheFewestBytesAndWidenInPlace) {
  NodeAttributes a(schema_);
  AddRow(1, 7, 0);
  AddRow(-2, -8, 0);
  ASSERT_OK(a.Set(schema_, {0, 1}, Keys(), Rows()));
  EXPECT_EQ(a.StoredType(0), TypeId::kInt8);  // int64 primary key
  EXPECT_EQ(a.StoredType(2), TypeId::kInt8);  // int32
  EXPECT_EQ(a.StoredType(4), TypeId::kFloat64);  // floats are not narrowed
  EXPECT_EQ(a.StoredType(3), TypeId::kUInt8);  // one word
  const std::vector<std::pair<int64_t, TypeId>> steps = {
      {300, TypeId::kInt16}, {-70000, TypeId::kInt32}, {5'000'000'000, TypeId::kInt64}, {9, TypeId::kInt64}};
  uint32_t node = 2;
  for (const auto& [id, type] : steps) {
    AddRow(id, 0, 0);
    ASSERT_OK(a.Set(schema_, {node}, {keys_.back()}, {rows_.back()}));
    EXPECT_EQ(a.StoredType(0), type) << id;
    EXPECT_EQ(ValueAt(a, 0, node), std::to_string(id));
    node++;
  }
  EXPECT_EQ(ValueAt(a, 0, 0), "1");  // the values stored narrower are kept
  EXPECT_EQ(ValueAt(a, 0, 1), "-2");
  EXPECT_EQ(ValueAt(a, 0, 3), "-70000");
  EXPECT_EQ(ValueAt(a, 2, 1), "-8");
  AddRow(10, INT32_MIN, 0);
  ASSERT_OK(a.Set(schema_, {node}, {keys_.back()}, {rows_.back()}));
  EXPECT_EQ(a.StoredType(2), TypeId::kInt32);  // never wider than the column's type
  EXPECT_EQ(ValueAt(a, 2, node), std::to_string(INT32_MIN));

  a.Clear(1);
  EXPECT_EQ(ValueAt(a, 0, 1), "null");
  a.Renumber({6, 1, 2, 3, 4, 5, 0});
  EXPECT_EQ(ValueAt(a, 0, 6), "1");
  EXPECT_EQ(ValueAt(a, 0, 4), "5000000000");

  NodeAttributes b(schema_);
  bool fits = false;
  ASSERT_OK(Load(Encoded(a), &b, &fits));
  ASSERT_TRUE(fits);
  EXPECT_EQ(b.StoredType(0), TypeId::kInt64);
  EXPECT_EQ(b.StoredType(2), TypeId::kInt32);
  for (size_t n = 0; n < a.rows(); n++) {
    for (size_t position : {0, 2, 4}) EXPECT_EQ(ValueAt(b, position, n), ValueAt(a, position, n)) << n;
  }
}

TEST_F(NodeAttributesTest, CodesWidenPast256Words) {
  NodeAttributes a(schema_);
  std::vector<uint32_t> nodes;
  for (uint32_t i = 0; i < 300; i++) {
    AddRow(i, 0, 0, false, "w" + std::to_string(i));
    nodes.push_back(i);
  }
  ASSERT_OK(a.Set(schema_, {nodes.begin(), nodes.begin() + 200}, {keys_.begin(), keys_.begin() + 200},
                  {rows_.begin(), rows_.begin() + 200}));
  EXPECT_EQ(a.StoredType(3), TypeId::kUInt8);
  ASSERT_OK(a.Set(schema_, {nodes.begin() + 200, nodes.end()}, {keys_.begin() + 200, keys_.end()},
                  {rows_.begin() + 200, rows_.end()}));
  EXPECT_EQ(a.StoredType(3), TypeId::kUInt16);
  EXPECT_EQ(CodeAt(a, 3, 0), 0);
  EXPECT_EQ(CodeAt(a, 3, 199), 199);
  EXPECT_EQ(CodeAt(a, 3, 299), 299);
  EXPECT_EQ(a.CodeOf(3, "w256"), 256u);
}

TEST(NodeAttributesUnsignedTest, UnsignedIntegersStayUnsigned) {
  auto schema = Schema::Create({{"id", T("int64"), false, {}}, {"n", T("uint32"), false, {}}}, "id");
  ASSERT_OK(schema.status());
  NodeAttributes a(*schema);
  std::vector<std::string> keys, rows;
  for (int64_t n : {int64_t{200}, int64_t{3'000'000'000}}) {
    std::vector<ColumnBuffer> cols;
    for (const auto& c : schema->columns()) cols.emplace_back(c.type);
    cols[0].AppendValue(Value::Int(n));
    cols[1].AppendValue(Value::Int(n));
    std::vector<ColumnView> views{cols[0].view(), cols[1].view()};
    std::string row(EncodedRowSize(*schema, views, 0), '\0');
    EncodeRowTo(*schema, views, 0, row.data());
    std::string key;
    AppendKeyOf(views[0], 0, &key);
    ASSERT_OK(a.Set(*schema, {static_cast<uint32_t>(keys.size())}, {key}, {row}));
    keys.push_back(key);
    rows.push_back(row);
    if (n == 200) {
      EXPECT_EQ(a.StoredType(1), TypeId::kUInt8);  // 200 needs 9 bits signed, 8 unsigned
    }
  }
  EXPECT_EQ(a.StoredType(1), TypeId::kUInt32);
  std::vector<ColumnView> views(2);
  a.Views(0, 2, &views);
  EXPECT_EQ(views[1].Get<uint32_t>(0), 200u);
  EXPECT_EQ(views[1].Get<uint32_t>(1), 3'000'000'000u);
}

// Version 3 owner sections stored every value at its type's width and codes
// in 4 bytes, with no width byte: they load, and widen from there.
TEST_F(NodeAttributesTest, LoadsValuesStoredAtFullWidth) {
  auto fixed = [](auto v) { return std::string(reinterpret_cast<const char*>(&v), sizeof(v)); };
  auto column = [](size_t position, TypeId type, uint8_t flags) {
    return std::string{static_cast<char>(position), static_cast<char>(type), static_cast<char>(flags)};
  };
  const std::string id = column(0, TypeId::kInt64, 0) + fixed(int64_t{-5});
  const std::string cat = column(2, TypeId::kInt32, 0) + fixed(int32_t{7});
  const std::string label = column(3, TypeId::kString, 0) + fixed(uint32_t{0}) + "\x01\x03" "cup";
  const std::string w = column(4, TypeId::kFloat64, 0) + fixed(2.5);
  const std::string rows_and_count = "\x01\x04";
  NodeAttributes a(schema_);
  bool fits = false;
  ASSERT_OK(Load(rows_and_count + id + cat + label + w, &a, &fits));
  ASSERT_TRUE(fits);
  EXPECT_EQ(a.StoredType(0), TypeId::kInt64);
  EXPECT_EQ(a.StoredType(2), TypeId::kInt32);
  EXPECT_EQ(a.StoredType(3), TypeId::kUInt32);
  EXPECT_EQ(ValueAt(a, 0, 0), "-5");
  EXPECT_EQ(ValueAt(a, 2, 0), "7");
  EXPECT_EQ(a.CodeOf(3, "cup"), 0u);
  AddRow(8, 9, 0, false, "mug");
  ASSERT_OK(a.Set(schema_, {1}, Keys(), Rows()));
  EXPECT_EQ(ValueAt(a, 2, 1), "9");
  EXPECT_EQ(a.CodeOf(3, "mug"), 1u);

  // A width byte the column cannot have is corruption: not 1, 2, 4 or 8,
  // wider than the type, or on a column not stored narrow.
  const std::string narrow_cat = column(2, TypeId::kInt32, 4);
  for (const std::string& bad_cat : {narrow_cat + "\x03" + fixed(int32_t{7}), narrow_cat + "\x08" + fixed(int64_t{7})}) {
    NodeAttributes b(schema_);
    EXPECT_TRUE(Load(rows_and_count + id + bad_cat + label + w, &b, &fits).IsCorruption());
  }
  const std::string narrow_w = column(4, TypeId::kFloat64, 4) + "\x08" + fixed(2.5);
  NodeAttributes c(schema_);
  EXPECT_TRUE(Load(rows_and_count + id + cat + label + narrow_w, &c, &fits).IsCorruption());
}

}  // namespace
}  // namespace embodb::table
