// Helpers shared by the table-layer tests.
#pragma once

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "table/column_data.h"
#include "table/column_type.h"

namespace embodb::table {

// The type with this name; fails the test when the name is bad.
inline ColumnType T(std::string_view name) {
  auto t = ColumnType::Parse(name);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : ColumnType{};
}

// A view of v's elements as a column of fixed-width type t: one element per
// row for a scalar type, FixedWidth bytes per row for a vector or point3.
template <typename V>
ColumnView ViewOf(const std::vector<V>& v, ColumnType t) {
  ColumnView view;
  view.type = t;
  view.length = v.size() * sizeof(V) / t.FixedWidth();
  view.values = reinterpret_cast<const uint8_t*>(v.data());
  return view;
}

}  // namespace embodb::table
