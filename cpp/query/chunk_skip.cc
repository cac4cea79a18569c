#include "query/chunk_skip.h"

#include <cmath>

namespace embodb::query {

namespace {

using table::Value;

class Checker {
 public:
  explicit Checker(const ChunkStatsLookup& stats) : stats_(stats) {}

  bool MayMatch(const Expr& e) const {
    switch (e.kind) {
      case Expr::Kind::kAnd:
        for (const auto& a : e.args) {
          if (!MayMatch(*a)) return false;
        }
        return true;
      case Expr::Kind::kOr:
        for (const auto& a : e.args) {
          if (MayMatch(*a)) return true;
        }
        return false;
      case Expr::Kind::kCompare: return Compare(e);
      case Expr::Kind::kBetween: return e.negated || Between(e);
      case Expr::Kind::kIn: return e.negated || In(e);
      case Expr::Kind::kIsNull: return IsNull(e);
      default: return true;
    }
  }

 private:
  // The statistics of a column operand whose values compare as they are
  // stored (not uint64, which filters reject above int64).
  const columnar::ChunkStats* ColumnStats(const Expr& e) const {
    if (e.kind != Expr::Kind::kColumn || e.column_index < 0 || e.component >= 0) return nullptr;
    const columnar::ChunkStats* s = stats_(static_cast<size_t>(e.column_index));
    if (s == nullptr || s->type.id == table::TypeId::kUInt64) return nullptr;
    return s;
  }
  static bool AllNull(const columnar::ChunkStats& s) { return s.nulls == s.rows; }
  // A literal operand that is a number or string (not NULL, not NaN).
  static const Value* Literal(const Expr& e) {
    if (e.kind != Expr::Kind::kLiteral || e.literal.is_null()) return nullptr;
    if (e.literal.kind == Value::Kind::kDouble && std::isnan(e.literal.d)) return nullptr;
    return &e.literal;
  }
  // Whether some value in [min, max] can satisfy `value op literal`.
  static bool RangeMayMatch(const columnar::ChunkStats& s, Op op, const Value& lit) {
    if (AllNull(s)) return false;  // every comparison with NULL is unknown
    if (s.min.is_null() || s.max.is_null()) return true;  // only NaN, or no range kept
    int lo, hi;
    if (!OrderValues(s.min, lit, &lo) || !OrderValues(s.max, lit, &hi)) return true;
    switch (op) {
      case Op::kEq: return lo <= 0 && hi >= 0;
      case Op::kLt: return lo < 0;
      case Op::kLe: return lo <= 0;
      case Op::kGt: return hi > 0;
      case Op::kGe: return hi >= 0;
      default: return true;  // != holds for NaN too
    }
  }
  bool Compare(const Expr& e) const {
    const Expr* col = e.args[0].get();
    const Expr* lit = e.args[1].get();
    Op op = e.op;
    if (ColumnStats(*col) == nullptr) {
      std::swap(col, lit);
      op = FlipComparison(op);
    }
    const columnar::ChunkStats* s = ColumnStats(*col);
    const Value* v = Literal(*lit);
    if (s == nullptr || v == nullptr) return true;
    return RangeMayMatch(*s, op, *v);
  }
  bool Between(const Expr& e) const {
    const columnar::ChunkStats* s = ColumnStats(*e.args[0]);
    const Value* lo = Literal(*e.args[1]);
    const Value* hi = Literal(*e.args[2]);
    if (s == nullptr || lo == nullptr || hi == nullptr) return true;
    return RangeMayMatch(*s, Op::kGe, *lo) && RangeMayMatch(*s, Op::kLe, *hi);
  }
  bool In(const Expr& e) const {
    const columnar::ChunkStats* s = ColumnStats(*e.args[0]);
    if (s == nullptr) return true;
    for (size_t i = 1; i < e.args.size(); i++) {
      const Value* v = Literal(*e.args[i]);
      if (v == nullptr || RangeMayMatch(*s, Op::kEq, *v)) return true;
    }
    return false;
  }
  bool IsNull(const Expr& e) const {
    if (e.args[0]->kind != Expr::Kind::kColumn || e.args[0]->column_index < 0) return true;  // a component's row is null when its array is
    const columnar::ChunkStats* s = stats_(static_cast<size_t>(e.args[0]->column_index));
    if (s == nullptr) return true;
    return e.negated ? s->nulls < s->rows : s->nulls > 0;
  }

  const ChunkStatsLookup& stats_;
};

}  // namespace

bool OrderValues(const Value& a, const Value& b, int* out) {
  auto number = [](const Value& v, long double* x) {
    switch (v.kind) {
      case Value::Kind::kInt: *x = static_cast<long double>(v.i); return true;
      case Value::Kind::kUInt: *x = static_cast<long double>(v.u); return true;
      case Value::Kind::kDouble: *x = v.d; return !std::isnan(v.d);
      case Value::Kind::kBool: *x = v.b ? 1 : 0; return true;
      default: return false;
    }
  };
  if (a.kind == Value::Kind::kString && b.kind == Value::Kind::kString) {
    const int c = a.s.compare(b.s);
    *out = c < 0 ? -1 : c > 0;
    return true;
  }
  long double x, y;
  if (!number(a, &x) || !number(b, &y)) return false;
  *out = x < y ? -1 : x > y;
  return true;
}

bool ChunkMayMatch(const Filter& filter, const ChunkStatsLookup& stats) {
  return filter.root == nullptr || Checker(stats).MayMatch(*filter.root);
}

}  // namespace embodb::query
