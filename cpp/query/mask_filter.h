// MaskFilter: a fast evaluator for the filters most searches use: columns
// compared with constants (=, !=, <, <=, >, >=, BETWEEN, IN, IS [NOT] NULL, a
// bool column alone), joined by AND, OR and NOT, over fixed-width columns and
// the index's copies of columns (index/common/node_attributes.h): integers stored
// narrow and string columns held as dictionary codes.
//
// It computes two byte masks per expression, "true" and "false" (a row in
// neither is unknown: SQL's NULL), in tight loops the compiler vectorizes,
// and gives the same answers as EvaluateFilter (evaluator.h), which is
// several times slower on these shapes because it widens every value to 64
// bits and allocates per operation. A filtered vector search evaluates its
// filter over every node of the index with it (vector_search.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "query/filter.h"
#include "table/column_data.h"
#include "index/common/node_attributes.h"

namespace embodb::query {

class MaskFilter {
 public:
  // Null when the filter has another shape (arithmetic, two columns
  // compared, strings, uint64 columns, NULL constants): EvaluateFilter then.
  // With `copies`, the filter is compiled for their views (of
  // copies->StoredType()): coded string columns take =, !=, IN and IS NULL
  // with string constants; any other use of them compiles to null, and
  // EvaluateFilter cannot read them either.
  static std::unique_ptr<const MaskFilter> Compile(const Filter& filter, const table::Schema& schema,
                                                   const index::NodeAttributes* copies = nullptr);
  // The AND of these parts of a bound filter (query/conjuncts.h), compiled
  // the same way. REQUIRES: at least one.
  static std::unique_ptr<const MaskFilter> CompileAnd(const std::vector<const Expr*>& conjuncts,
                                                      const table::Schema& schema,
                                                      const index::NodeAttributes* copies = nullptr);
  ~MaskFilter();

  // Rows evaluated at once, at most.
  static constexpr size_t kMaxRows = 4096;

  // pass[r] = 1 when the filter is true for row r, else 0. columns: a view
  // per schema position, as for EvaluateFilter. REQUIRES: rows <= kMaxRows.
  // Thread-safe: the scratch space is per thread.
  void Evaluate(const std::vector<table::ColumnView>& columns, size_t rows, uint8_t* pass) const;
  // pass[j] = 1 when the filter is true for row at[j] of columns, else 0:
  // the values it reads at those rows are gathered first, so that a filter
  // tested at a few rows of many reads only theirs. REQUIRES: n <= kMaxRows,
  // at[j] < the views' length.
  void EvaluateAt(const std::vector<table::ColumnView>& columns, const uint32_t* at, size_t n, uint8_t* pass) const;

  struct Node;

 private:
  explicit MaskFilter(std::unique_ptr<Node> root);
  std::unique_ptr<Node> root_;
  size_t depth_;
  std::vector<size_t> columns_;  // the schema positions it reads, ascending
  size_t ands_ = 0;          // AND nodes
  size_t gather_bytes_ = 0;  // the space their gathered values take
};

}  // namespace embodb::query
