// NodeAttributes: which columns it holds, values read from encoded rows
// (NULLs, defaults of columns added later, the primary key), clearing,
// renumbering and the checkpoint encoding.
#include "table/node_attributes.h"

#include <gtest/gtest.h>

#include "table/key_codec.h"
#include "table/row_codec.h"
#include "testing/table_test_util.h"
#include "testing/test_util.h"

namespace embodb::table {
namespace {

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

  // Column `position` of node n: its value as int64/double, or "null".
  std::string ValueAt(const NodeAttributes& a, size_t position, size_t n) const {
    std::vector<ColumnView> views(schema_.size() + 1);
    a.Views(0, a.rows(), &views);
    const ColumnView& v = views[position];
    if (v.IsNull(n)) return "null";
    if (v.type.id == TypeId::kFloat64) return std::to_string(v.Get<double>(n));
    if (v.type.id == TypeId::kInt32) return std::to_string(v.Get<int32_t>(n));
    return std::to_string(v.Get<int64_t>(n));
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
    EXPECT_EQ(v.type.id, TypeId::kUInt32);
    return v.IsNull(n) ? int64_t{-1} : int64_t{v.Get<uint32_t>(n)};
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
  EXPECT_EQ(views[5].Get<int16_t>(0), 42);
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

}  // namespace
}  // namespace embodb::table
