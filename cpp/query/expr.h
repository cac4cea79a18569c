// The syntax tree of a filter expression. The parser builds it with column
// names; binding (filter.h) resolves the names against a schema, gives every
// node its type and turns string literals compared with timestamps into
// nanoseconds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "table/value.h"

namespace embodb::query {

// The type of an expression's values. kArray: a vector, point3 or point
// cloud column, which can only be tested with IS [NOT] NULL.
enum class Type : uint8_t { kNull, kBool, kInt, kDouble, kString, kBytes, kTimestamp, kArray };
const char* TypeName(Type t);

enum class Op : uint8_t {
  kNone,
  kAdd, kSub, kMul, kDiv, kMod,      // kArith
  kEq, kNe, kLt, kLe, kGt, kGe,      // kCompare
};
const char* OpName(Op op);

// The comparison with its sides swapped: 3 < x is x > 3.
inline Op FlipComparison(Op op) {
  switch (op) {
    case Op::kLt: return Op::kGt;
    case Op::kLe: return Op::kGe;
    case Op::kGt: return Op::kLt;
    case Op::kGe: return Op::kLe;
    default: return op;
  }
}

struct Expr {
  enum class Kind : uint8_t {
    kLiteral,   // literal
    kColumn,    // column (name), column_index after binding; a component of it (component >= 0)
    kNegate,    // -args[0]
    kNot,       // NOT args[0]
    kArith,     // args[0] op args[1]
    kCompare,   // args[0] op args[1]
    kAnd,       // args[0] AND args[1] AND ... (two or more: a chain is one node)
    kOr,        // args[0] OR args[1] OR ...
    kIn,        // args[0] [NOT] IN (args[1..])
    kBetween,   // args[0] [NOT] BETWEEN args[1] AND args[2]
    kIsNull,    // args[0] IS [NOT] NULL
    kLike,      // args[0] [NOT] LIKE args[1]
    // Spatial functions of a point3 column args[0], with literal numbers:
    kWithin,    // within(col, [x, y, z], r): numbers = x, y, z, r
    kInBox,     // in_box(col, [lx, ly, lz], [hx, hy, hz]): numbers = the six
    kDistance,  // distance(col, [x, y, z]): numbers = x, y, z (a float)
  };
  Kind kind = Kind::kLiteral;
  Op op = Op::kNone;
  bool negated = false;  // NOT IN, NOT BETWEEN, IS NOT NULL, NOT LIKE
  table::Value literal;
  bool timestamp_literal = false;  // TIMESTAMP '...' (literal holds the string until bound)
  std::string column;
  int column_index = -1;
  // Of a kColumn: one float of a point3 or vector column ("pose.x",
  // "emb[3]"), or -1 for the whole column.
  int component = -1;
  bool axis = false;  // the component was named (.x .y .z), which only a point3 takes
  std::vector<std::unique_ptr<Expr>> args;
  std::vector<double> numbers;  // of a spatial function
  size_t pos = 0, end = 0;  // the source span, for messages
  uint32_t height = 1;      // levels of this tree (the parser bounds it: code that recurses over it may)
  Type type = Type::kNull;  // set by binding
};
using ExprPtr = std::unique_ptr<Expr>;

}  // namespace embodb::query
