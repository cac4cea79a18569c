// Parses a filter expression into a syntax tree (expr.h). Grammar, loosest
// binding first; keywords are case-insensitive:
//   expr      := and_expr (OR and_expr)*
//   and_expr  := not_expr (AND not_expr)*
//   not_expr  := NOT not_expr | predicate
//   predicate := sum [ (= | != | <> | < | <= | > | >=) sum
//                    | IS [NOT] NULL
//                    | [NOT] IN ( expr , ... )
//                    | [NOT] BETWEEN sum AND sum
//                    | [NOT] LIKE sum ]
//   sum       := product ((+ | -) product)*
//   product   := unary ((* | / | %) unary)*
//   unary     := (- | +) unary | primary
//   primary   := integer | float | 'string' | TRUE | FALSE | NULL
//              | TIMESTAMP 'iso time' | column | "quoted column" | ( expr )
#pragma once

#include <string_view>

#include "query/expr.h"
#include "util/result.h"

namespace embodb::query {

// InvalidArgument pointing at the first token that does not fit.
Result<ExprPtr> ParseExpression(std::string_view text);

}  // namespace embodb::query
