// Filters compiled for the query layer's tests: a small schema holding a
// column of each scalar kind, and compilation that fails the test on error.
#pragma once

#include <string>

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

}  // namespace embodb::query
