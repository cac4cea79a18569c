// The parts of a filter joined by its top-level ANDs, and a key that names
// an expression by what it means rather than how it was typed. A vector
// index caches the matches of filters by key (index/vector/vector_index.h), so
// `cat=7` finds the match of `cat = 7`, and a new filter `cat = 7 AND t > x`
// finds the cached match of its part `cat = 7` (query/vector_search.cc).
#pragma once

#include <string>
#include <vector>

#include "query/expr.h"

namespace embodb::query {

// The conjuncts of e: e itself unless it is an AND, else those of both its
// sides, left to right.
void SplitConjuncts(const Expr& e, std::vector<const Expr*>* out);

// Equal for two bound expressions exactly when they have the same tree:
// the same operators, columns (by schema position) and constants, whatever
// the spacing, parentheses or letter case of their text. Binary.
std::string ExprKey(const Expr& e);

}  // namespace embodb::query
