#include "query/evaluator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "query/lexer.h"
#include "query/spatial_predicate.h"

namespace embodb::query {

namespace {

// The values of an expression for every row of a batch, or one value for all
// rows (constant). NULL values are marked in null (empty: none is null).
struct Vec {
  Type type = Type::kNull;
  bool constant = false;
  std::vector<int64_t> i;               // kBool (0/1), kInt, kTimestamp
  std::vector<double> d;                // kDouble
  std::vector<std::string_view> s;      // kString, kBytes
  std::vector<uint8_t> null;            // 1 = null

  bool IsNull(size_t r) const { return !null.empty() && null[constant ? 0 : r] != 0; }
  bool UsesInts() const { return type == Type::kBool || type == Type::kInt || type == Type::kTimestamp; }
};

Vec NullConstant(Type type) {
  Vec v;
  v.type = type;
  v.constant = true;
  v.null = {1};
  v.i = {0};
  v.d = {0};
  v.s = {std::string_view()};
  return v;
}

// Rows of the result of an operation on a and b: 1 when both are constant.
size_t ResultRows(const Vec& a, const Vec& b, size_t rows) { return a.constant && b.constant ? 1 : rows; }

// The null mask of an operation on a and b (null when either is).
std::vector<uint8_t> MergeNulls(const Vec& a, const Vec& b, size_t n) {
  if (a.null.empty() && b.null.empty()) return {};
  std::vector<uint8_t> out(n);
  for (size_t r = 0; r < n; r++) out[r] = a.IsNull(r) || b.IsNull(r);
  return out;
}

// Promotes integers (and bools, times) to doubles.
void ToDouble(Vec* v) {
  if (!v->UsesInts()) return;
  v->d.resize(v->i.size());
  for (size_t r = 0; r < v->i.size(); r++) v->d[r] = static_cast<double>(v->i[r]);
  v->type = Type::kDouble;
}

class Evaluator {
 public:
  Evaluator(const Filter& filter, const std::vector<table::ColumnView>& columns, size_t rows)
      : filter_(filter), columns_(columns), rows_(rows) {}

  Result<Vec> Eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kLiteral: return Literal(e);
      case Expr::Kind::kColumn: return LoadColumn(e);
      case Expr::Kind::kNegate: return Negate(e);
      case Expr::Kind::kNot: {
        Vec v;
        EMBODB_ASSIGN_OR_RETURN(v, Eval(*e.args[0]));
        return Not(std::move(v));
      }
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr: {
        Vec all;
        EMBODB_ASSIGN_OR_RETURN(all, Eval(*e.args[0]));
        for (size_t i = 1; i < e.args.size(); i++) {
          Vec next;
          EMBODB_ASSIGN_OR_RETURN(next, Eval(*e.args[i]));
          all = Logic(all, next, e.kind == Expr::Kind::kAnd);
        }
        return all;
      }
      case Expr::Kind::kArith: {
        Vec a, b;
        EMBODB_ASSIGN_OR_RETURN(a, Eval(*e.args[0]));
        EMBODB_ASSIGN_OR_RETURN(b, Eval(*e.args[1]));
        return Arith(e, std::move(a), std::move(b));
      }
      case Expr::Kind::kCompare: {
        Vec a, b;
        EMBODB_ASSIGN_OR_RETURN(a, Eval(*e.args[0]));
        EMBODB_ASSIGN_OR_RETURN(b, Eval(*e.args[1]));
        return Compare(e.op, std::move(a), std::move(b));
      }
      case Expr::Kind::kIn: return In(e);
      case Expr::Kind::kBetween: {
        Vec a, lo, hi;
        EMBODB_ASSIGN_OR_RETURN(a, Eval(*e.args[0]));
        EMBODB_ASSIGN_OR_RETURN(lo, Eval(*e.args[1]));
        EMBODB_ASSIGN_OR_RETURN(hi, Eval(*e.args[2]));
        Vec ge = Compare(Op::kGe, a, std::move(lo));
        Vec le = Compare(Op::kLe, std::move(a), std::move(hi));
        Vec both = Logic(ge, le, true);
        return e.negated ? Not(std::move(both)) : both;
      }
      case Expr::Kind::kIsNull: {
        Vec a;
        EMBODB_ASSIGN_OR_RETURN(a, Eval(*e.args[0]));
        const size_t n = a.constant ? 1 : rows_;
        Vec out;
        out.type = Type::kBool;
        out.constant = a.constant;
        out.i.resize(n);
        for (size_t r = 0; r < n; r++) out.i[r] = a.IsNull(r) != e.negated;
        return out;
      }
      case Expr::Kind::kLike: return Like(e);
      case Expr::Kind::kWithin:
      case Expr::Kind::kInBox:
      case Expr::Kind::kDistance: return Spatial(e);
    }
    return Status::InvalidArgument("unknown expression");
  }

 private:
  Status Error(const Expr& e, const std::string& message) const {
    return FilterError(filter_.text, e.pos, e.end, message);
  }

  Result<Vec> Literal(const Expr& e) const {
    if (e.literal.is_null()) return NullConstant(e.type == Type::kNull ? Type::kNull : e.type);
    Vec v;
    v.type = e.type;
    v.constant = true;
    switch (e.type) {
      case Type::kBool: v.i = {e.literal.b ? 1 : 0}; break;
      case Type::kInt:
      case Type::kTimestamp: v.i = {e.literal.i}; break;
      case Type::kDouble: v.d = {e.literal.d}; break;
      case Type::kString:
      case Type::kBytes: v.s = {e.literal.s}; break;
      default: return Error(e, "unexpected literal");
    }
    return v;
  }

  Result<Vec> LoadColumn(const Expr& e) const {
    using table::TypeId;
    const table::ColumnView& col = columns_[e.column_index];
    Vec v;
    v.type = e.type;
    if (col.nulls != nullptr) v.null.assign(col.nulls, col.nulls + rows_);
    if (e.component >= 0) {  // one float32 of each row's array (a null row's are zeros)
      v.d.resize(rows_);
      for (size_t r = 0; r < rows_; r++) {
        float x;
        std::memcpy(&x, col.Fixed(r) + 4 * static_cast<size_t>(e.component), 4);
        v.d[r] = x;
      }
      return v;
    }
    const TypeId id = col.type.id;
    auto widen = [&](auto tag) {
      using T = decltype(tag);
      v.i.resize(rows_);
      for (size_t r = 0; r < rows_; r++) v.i[r] = static_cast<int64_t>(col.Get<T>(r));
    };
    switch (id) {
      case TypeId::kBool:
      case TypeId::kUInt8: widen(uint8_t{}); break;
      case TypeId::kInt8: widen(int8_t{}); break;
      case TypeId::kInt16: widen(int16_t{}); break;
      case TypeId::kUInt16: widen(uint16_t{}); break;
      case TypeId::kInt32: widen(int32_t{}); break;
      case TypeId::kUInt32: widen(uint32_t{}); break;
      case TypeId::kInt64:
      case TypeId::kTimestamp: widen(int64_t{}); break;
      case TypeId::kUInt64:
        v.i.resize(rows_);
        for (size_t r = 0; r < rows_; r++) {
          const uint64_t u = col.Get<uint64_t>(r);
          if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) && !v.IsNull(r)) {
            return Error(e, "uint64 value " + std::to_string(u) + " of column '" + e.column +
                                "' is above the int64 range that filters compare in");
          }
          v.i[r] = static_cast<int64_t>(u);
        }
        break;
      case TypeId::kFloat32:
        v.d.resize(rows_);
        for (size_t r = 0; r < rows_; r++) v.d[r] = col.Get<float>(r);
        break;
      case TypeId::kFloat64:
        v.d.resize(rows_);
        for (size_t r = 0; r < rows_; r++) v.d[r] = col.Get<double>(r);
        break;
      case TypeId::kString:
      case TypeId::kBytes:
        v.s.resize(rows_);
        for (size_t r = 0; r < rows_; r++) v.s[r] = col.Bytes(r);
        break;
      default:
        break;  // arrays: only their nulls matter
    }
    return v;
  }

  Result<Vec> Negate(const Expr& e) {
    Vec v;
    EMBODB_ASSIGN_OR_RETURN(v, Eval(*e.args[0]));
    if (v.type == Type::kDouble) {
      for (double& x : v.d) x = -x;
    } else {
      for (size_t r = 0; r < v.i.size(); r++) {
        if (v.i[r] == std::numeric_limits<int64_t>::min() && !v.IsNull(r)) return Error(e, "integer overflow");
        v.i[r] = -v.i[r];
      }
    }
    return v;
  }

  static Vec Not(Vec v) {
    for (int64_t& x : v.i) x = !x;
    return v;
  }

  // Three-valued AND / OR.
  Vec Logic(const Vec& a, const Vec& b, bool is_and) const {
    if (a.type == Type::kNull && b.type == Type::kNull) return NullConstant(Type::kBool);
    const size_t n = ResultRows(a, b, rows_);
    Vec out;
    out.type = Type::kBool;
    out.constant = n == 1 && a.constant && b.constant;
    out.i.resize(n);
    const bool any_nulls = !a.null.empty() || !b.null.empty() || a.type == Type::kNull || b.type == Type::kNull;
    if (any_nulls) out.null.resize(n);
    const bool decisive = !is_and;  // the value that decides regardless of the other side
    for (size_t r = 0; r < n; r++) {
      const size_t ra = a.constant ? 0 : r, rb = b.constant ? 0 : r;
      const bool an = a.type == Type::kNull || a.IsNull(r), bn = b.type == Type::kNull || b.IsNull(r);
      const bool av = !an && a.i[ra] != 0, bv = !bn && b.i[rb] != 0;
      if ((!an && av == decisive) || (!bn && bv == decisive)) {
        out.i[r] = decisive;
      } else if (an || bn) {
        out.i[r] = 0;
        out.null[r] = 1;
      } else {
        out.i[r] = !decisive;
      }
    }
    return out;
  }

  template <typename T, typename F>
  static void Loop(const std::vector<T>& a, bool ca, const std::vector<T>& b, bool cb, size_t n,
                   std::vector<int64_t>* out, F f) {
    out->resize(n);
    int64_t* o = out->data();
    if (ca && !cb) {
      const T x = a[0];
      for (size_t r = 0; r < n; r++) o[r] = f(x, b[r]);
    } else if (cb && !ca) {
      const T y = b[0];
      for (size_t r = 0; r < n; r++) o[r] = f(a[r], y);
    } else {
      for (size_t r = 0; r < n; r++) o[r] = f(a[r], b[r]);
    }
  }

  template <typename T>
  static void CompareValues(Op op, const std::vector<T>& a, bool ca, const std::vector<T>& b, bool cb, size_t n,
                            std::vector<int64_t>* out) {
    switch (op) {
      case Op::kEq: Loop(a, ca, b, cb, n, out, [](const T& x, const T& y) { return x == y; }); break;
      case Op::kNe: Loop(a, ca, b, cb, n, out, [](const T& x, const T& y) { return x != y; }); break;
      case Op::kLt: Loop(a, ca, b, cb, n, out, [](const T& x, const T& y) { return x < y; }); break;
      case Op::kLe: Loop(a, ca, b, cb, n, out, [](const T& x, const T& y) { return x <= y; }); break;
      case Op::kGt: Loop(a, ca, b, cb, n, out, [](const T& x, const T& y) { return x > y; }); break;
      case Op::kGe: Loop(a, ca, b, cb, n, out, [](const T& x, const T& y) { return x >= y; }); break;
      default: break;
    }
  }

  Vec Compare(Op op, Vec a, Vec b) const {
    if (a.type == Type::kNull || b.type == Type::kNull) return NullConstant(Type::kBool);
    const size_t n = ResultRows(a, b, rows_);
    Vec out;
    out.type = Type::kBool;
    out.constant = n == 1 && a.constant && b.constant;
    if (a.type == Type::kDouble || b.type == Type::kDouble) {
      ToDouble(&a);
      ToDouble(&b);
      CompareValues(op, a.d, a.constant, b.d, b.constant, n, &out.i);
    } else if (a.UsesInts()) {
      CompareValues(op, a.i, a.constant, b.i, b.constant, n, &out.i);
    } else {
      CompareValues(op, a.s, a.constant, b.s, b.constant, n, &out.i);
    }
    out.null = MergeNulls(a, b, n);
    return out;
  }

  Result<Vec> Arith(const Expr& e, Vec a, Vec b) {
    if (a.type == Type::kNull || b.type == Type::kNull) return NullConstant(e.type);
    const size_t n = ResultRows(a, b, rows_);
    Vec out;
    out.type = e.type;
    out.constant = n == 1 && a.constant && b.constant;
    out.null = MergeNulls(a, b, n);
    auto null_at = [&](size_t r) {
      if (out.null.empty()) out.null.assign(n, 0);
      out.null[r] = 1;
    };
    if (e.type == Type::kDouble) {
      ToDouble(&a);
      ToDouble(&b);
      out.d.resize(n);
      for (size_t r = 0; r < n; r++) {
        const double x = a.d[a.constant ? 0 : r], y = b.d[b.constant ? 0 : r];
        switch (e.op) {
          case Op::kAdd: out.d[r] = x + y; break;
          case Op::kSub: out.d[r] = x - y; break;
          case Op::kMul: out.d[r] = x * y; break;
          case Op::kDiv:
            if (y == 0) {
              out.d[r] = 0;
              null_at(r);  // division by zero is NULL, as in SQL engines
            } else {
              out.d[r] = x / y;
            }
            break;
          default: break;
        }
      }
      return out;
    }
    out.i.resize(n);
    for (size_t r = 0; r < n; r++) {
      const int64_t x = a.i[a.constant ? 0 : r], y = b.i[b.constant ? 0 : r];
      int64_t z = 0;
      bool overflow = false;
      switch (e.op) {
        case Op::kAdd: overflow = __builtin_add_overflow(x, y, &z); break;
        case Op::kSub: overflow = __builtin_sub_overflow(x, y, &z); break;
        case Op::kMul: overflow = __builtin_mul_overflow(x, y, &z); break;
        case Op::kDiv:
        case Op::kMod:
          if (y == 0) {
            null_at(r);
          } else if (y == -1) {
            overflow = e.op == Op::kDiv && x == std::numeric_limits<int64_t>::min();
            z = e.op == Op::kDiv ? -x : 0;
          } else {
            z = e.op == Op::kDiv ? x / y : x % y;
          }
          break;
        default: break;
      }
      if (overflow && !(a.IsNull(r) || b.IsNull(r))) return Error(e, "integer overflow");
      out.i[r] = z;
    }
    return out;
  }

  Result<Vec> In(const Expr& e) {
    Vec lhs;
    EMBODB_ASSIGN_OR_RETURN(lhs, Eval(*e.args[0]));
    if (lhs.type == Type::kNull) return NullConstant(Type::kBool);
    bool all_literals = lhs.type != Type::kDouble;
    for (size_t k = 1; k < e.args.size() && all_literals; k++) {
      const Expr& item = *e.args[k];
      all_literals = item.kind == Expr::Kind::kLiteral && !item.literal.is_null() && item.type != Type::kDouble;
    }
    Vec out;
    if (all_literals) {
      out = InLiterals(e, lhs);
    } else {
      out = NullConstant(Type::kBool);
      out.null = {0};  // false
      for (size_t k = 1; k < e.args.size(); k++) {
        Vec item;
        EMBODB_ASSIGN_OR_RETURN(item, Eval(*e.args[k]));
        out = Logic(out, Compare(Op::kEq, lhs, std::move(item)), false);
      }
    }
    return e.negated ? Not(std::move(out)) : out;
  }

  // x IN (literal, ...) with a sorted list and binary search.
  Vec InLiterals(const Expr& e, const Vec& lhs) const {
    const size_t n = lhs.constant ? 1 : rows_;
    Vec out;
    out.type = Type::kBool;
    out.constant = lhs.constant;
    out.i.resize(n);
    out.null = lhs.null;
    if (lhs.UsesInts()) {
      std::vector<int64_t> set;
      for (size_t k = 1; k < e.args.size(); k++) {
        const table::Value& v = e.args[k]->literal;
        set.push_back(v.kind == table::Value::Kind::kBool ? v.b : v.i);
      }
      std::sort(set.begin(), set.end());
      for (size_t r = 0; r < n; r++) out.i[r] = std::binary_search(set.begin(), set.end(), lhs.i[r]);
    } else {
      std::vector<std::string_view> set;
      for (size_t k = 1; k < e.args.size(); k++) set.push_back(e.args[k]->literal.s);
      std::sort(set.begin(), set.end());
      for (size_t r = 0; r < n; r++) out.i[r] = std::binary_search(set.begin(), set.end(), lhs.s[r]);
    }
    return out;
  }

  Result<Vec> Like(const Expr& e) {
    Vec text, pattern;
    EMBODB_ASSIGN_OR_RETURN(text, Eval(*e.args[0]));
    EMBODB_ASSIGN_OR_RETURN(pattern, Eval(*e.args[1]));
    if (text.type == Type::kNull || pattern.type == Type::kNull) return NullConstant(Type::kBool);
    const size_t n = ResultRows(text, pattern, rows_);
    Vec out;
    out.type = Type::kBool;
    out.constant = n == 1 && text.constant && pattern.constant;
    out.i.resize(n);
    for (size_t r = 0; r < n; r++) {
      out.i[r] = LikeMatch(text.s[text.constant ? 0 : r], pattern.s[pattern.constant ? 0 : r]) != e.negated;
    }
    out.null = MergeNulls(text, pattern, n);
    return out;
  }

  // within / in_box / distance of each row's point, in float32 as the
  // spatial index computes them (spatial_predicate.h); null for a null point.
  Result<Vec> Spatial(const Expr& e) const {
    const table::ColumnView& col = columns_[e.args[0]->column_index];
    const SpatialPredicate predicate(e);
    Vec out;
    out.type = e.type;
    if (col.nulls != nullptr) out.null.assign(col.nulls, col.nulls + rows_);
    if (e.kind == Expr::Kind::kDistance) {
      out.d.resize(rows_);
      for (size_t r = 0; r < rows_; r++) out.d[r] = predicate.Distance(col.Fixed(r));
    } else {
      out.i.resize(rows_);
      for (size_t r = 0; r < rows_; r++) out.i[r] = predicate.Holds(col.Fixed(r));
    }
    return out;
  }

  const Filter& filter_;
  const std::vector<table::ColumnView>& columns_;
  const size_t rows_;
};

// The byte after the UTF-8 character that starts at i.
size_t NextChar(std::string_view s, size_t i) {
  i++;
  while (i < s.size() && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80) i++;
  return i;
}

}  // namespace

bool LikeMatch(std::string_view text, std::string_view pattern) {
  // Greedy matching that backtracks to the last %: each % only ever needs to
  // grow by one character at a time, so this is O(len(text) * len(pattern)).
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = ++p;
      star_t = t;
    } else if (p < pattern.size() && pattern[p] == '_') {
      t = NextChar(text, t);
      p++;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      t++;
      p++;
    } else if (star_p != std::string_view::npos) {
      star_t = NextChar(text, star_t);
      t = star_t;
      p = star_p;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') p++;
  return p == pattern.size();
}

Status EvaluateFilter(const Filter& filter, const std::vector<table::ColumnView>& columns, size_t rows,
                      std::vector<uint32_t>* selected) {
  if (rows == 0) return Status::OK();
  Evaluator evaluator(filter, columns, rows);
  Vec v;
  EMBODB_ASSIGN_OR_RETURN(v, evaluator.Eval(*filter.root));
  if (v.type == Type::kNull) return Status::OK();
  for (size_t r = 0; r < rows; r++) {
    const size_t at = v.constant ? 0 : r;
    if (v.i[at] != 0 && !v.IsNull(r)) selected->push_back(static_cast<uint32_t>(r));
  }
  return Status::OK();
}

}  // namespace embodb::query
