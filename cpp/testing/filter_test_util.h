// Filters compiled for the query layer's tests: a small schema holding a
// column of each scalar kind, and compilation that fails the test on error.
#pragma once

#include <string>
#include <vector>

#include "query/evaluator.h"
#include "query/filter.h"
#include "testing/table_test_util.h"
#include "testing/test_util.h"

namespace embodb::query {

// id int64 (the primary key), cat int32, w float64, label string, ts timestamp.
inline table::Schema ScalarTestSchema() {
  using table::T;
  auto schema = table::Schema::Create({{"id", T("int64"), false, {}},
                                       {"cat", T("int32"), false, {}},
                                       {"w", T("float64"), false, {}},
                                       {"label", T("string"), false, {}},
                                       {"ts", T("timestamp"), false, {}}},
                                      "id");
  EXPECT_OK(schema.status());
  return *schema;
}

// The filter `text` compiled under schema; a test failure when it does not compile.
inline FilterPtr CompileOk(const std::string& text, const table::Schema& schema) {
  auto f = CompileFilter(text, schema);
  EXPECT_OK(f.status());
  return f.ok() ? *f : nullptr;
}

// A fixture of a schema and a batch of rows (buffers_, one per column, all
// of the same length) that filters are evaluated over.
class EvaluatedFilterTest : public ::testing::Test {
 protected:
  // The rows the filter selects, or its error.
  Result<std::vector<uint32_t>> Run(const std::string& text) {
    FilterPtr f;
    EMBODB_ASSIGN_OR_RETURN(f, CompileFilter(text, schema_));
    std::vector<table::ColumnView> views;
    for (const auto& b : buffers_) views.push_back(b.view());
    std::vector<uint32_t> selected;
    EMBODB_RETURN_IF_ERROR(EvaluateFilter(*f, views, views.empty() ? 0 : views[0].length, &selected));
    return selected;
  }
  std::vector<uint32_t> Rows(const std::string& text) {
    auto r = Run(text);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    return r.ok() ? *r : std::vector<uint32_t>{99};
  }
  std::string ErrorOf(const std::string& text) {
    auto r = Run(text);
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? "" : r.status().message();
  }

  table::Schema schema_;
  std::vector<table::ColumnBuffer> buffers_;
};

}  // namespace embodb::query
