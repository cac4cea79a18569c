#include "query/mask_filter.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "util/byte_mask.h"

namespace embodb::query {

namespace {

using table::TypeId;

// An AND whose first side passes at most one row in this many tests its
// second side only at those rows, gathered (EvalSparseAnd): a search's
// filter `cat = 7 AND id != x` then reads the ids of 1% of the rows, not
// all of them.
constexpr size_t kSparseAnd = 8;
// Bytes an AND's gathered rows take per column it gathers: a value of at
// most 8 bytes and a NULL flag per row.
constexpr size_t kGatherBytes = (MaskFilter::kMaxRows / kSparseAnd) * 9;
// Bytes of an AND's list of the rows it gathers (BitPositions writes one
// more than it lists), kept in the evaluation's space with its values.
constexpr size_t kPositionBytes = (MaskFilter::kMaxRows / kSparseAnd + 1) * sizeof(uint32_t);

// Space an evaluation reuses (per thread): gathered values at each AND's
// gather_offset, and each AND's column views (by and_index).
struct Work {
  uint8_t* gather;
  std::vector<std::vector<table::ColumnView>>* picked;
};

// A constant of a comparison, as EvaluateFilter reads it.
struct Number {
  bool is_double = false;
  int64_t i = 0;
  double d = 0;
};

// The number a literal (or a negated literal) stands for; false for other
// expressions, NULL and strings.
bool ConstantOf(const Expr& e, Number* out) {
  if (e.kind == Expr::Kind::kNegate) {
    if (!ConstantOf(*e.args[0], out)) return false;
    if (out->is_double) {
      out->d = -out->d;
      return true;
    }
    if (out->i == INT64_MIN) return false;  // EvaluateFilter reports the overflow
    out->i = -out->i;
    return true;
  }
  if (e.kind != Expr::Kind::kLiteral || e.literal.is_null()) return false;
  switch (e.type) {
    case Type::kBool: *out = {false, e.literal.b ? 1 : 0, 0}; return true;
    case Type::kInt:
    case Type::kTimestamp: *out = {false, e.literal.i, 0}; return true;
    case Type::kDouble: *out = {true, 0, e.literal.d}; return true;
    default: return false;
  }
}

// Columns the filter may read: fixed-width numbers, bools and timestamps
// whose values fit int64 (uint64 may not: EvaluateFilter checks each).
bool IsMaskColumn(const table::ColumnType& t) {
  return (t.IsNumeric() || t.id == TypeId::kBool || t.id == TypeId::kTimestamp) && t.id != TypeId::kUInt64;
}

bool IsFloatColumn(TypeId id) { return id == TypeId::kFloat32 || id == TypeId::kFloat64; }

template <typename T>
T Load(const uint8_t* values, size_t r) {
  T v;
  std::memcpy(&v, values + r * sizeof(T), sizeof(T));
  return v;
}

// out[r] = (column value r, as C) op k.
// The loops below are always inlined into LeafMask, so that its AVX2 clone
// holds AVX2 code of them (a function it calls is compiled for the baseline).
template <typename T, typename C>
[[gnu::always_inline]] inline void CompareLoop(const uint8_t* __restrict values, size_t n, Op op, C k, uint8_t* __restrict out) {
  auto loop = [&](auto f) __attribute__((always_inline)) {
    for (size_t r = 0; r < n; r++) out[r] = f(static_cast<C>(Load<T>(values, r)));
  };
  switch (op) {
    case Op::kEq: loop([k](C x) { return x == k; }); break;
    case Op::kNe: loop([k](C x) { return x != k; }); break;
    case Op::kLt: loop([k](C x) { return x < k; }); break;
    case Op::kLe: loop([k](C x) { return x <= k; }); break;
    case Op::kGt: loop([k](C x) { return x > k; }); break;
    case Op::kGe: loop([k](C x) { return x >= k; }); break;
    default: std::memset(out, 0, n); break;
  }
}

// out[r] = (column value r) op k for an integer column: compared in T itself
// when k is in T's range, in lanes as narrow as the values (8 bits for a
// column stored in one byte, not 64), else the same answer for every value.
template <typename T>
[[gnu::always_inline]] inline void CompareInteger(const uint8_t* __restrict values, size_t n, Op op, int64_t k, uint8_t* __restrict out) {
  const bool above = k > static_cast<int64_t>(std::numeric_limits<T>::max());
  const bool below = k < static_cast<int64_t>(std::numeric_limits<T>::min());
  if (!above && !below) {
    CompareLoop<T, T>(values, n, op, static_cast<T>(k), out);
    return;
  }
  bool every = false;
  switch (op) {
    case Op::kNe: every = true; break;
    case Op::kLt:
    case Op::kLe: every = above; break;
    case Op::kGt:
    case Op::kGe: every = below; break;
    default: break;  // kEq
  }
  std::memset(out, every ? 1 : 0, n);
}

// Sets of at most this many constants are tested as that many vectorized
// equality passes over the rows: a search of 1M rows filtered by
// `cat IN (7, x)` took 2.4-3.3 ms with a binary search per row, 0.42 ms so
// (benchmarks/RESULTS.md, session 13).
constexpr size_t kInByPasses = 16;

// out[r] = column value r is in the sorted set.
template <typename T>
[[gnu::always_inline]] inline void InLoop(const uint8_t* __restrict values, size_t n, const std::vector<int64_t>& set, uint8_t* __restrict out) {
  if (set.size() <= kInByPasses) {
    bool written = false;  // the first pass stores, the others OR: no pass to clear out first
    for (int64_t k : set) {
      // A constant outside T's range equals no value.
      if (k < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          k > static_cast<int64_t>(std::numeric_limits<T>::max())) {
        continue;
      }
      const T t = static_cast<T>(k);
      if (written) {
        for (size_t r = 0; r < n; r++) out[r] |= static_cast<uint8_t>(Load<T>(values, r) == t);
      } else {
        for (size_t r = 0; r < n; r++) out[r] = static_cast<uint8_t>(Load<T>(values, r) == t);
        written = true;
      }
    }
    if (!written) std::memset(out, 0, n);
    return;
  }
  for (size_t r = 0; r < n; r++) {
    out[r] = std::binary_search(set.begin(), set.end(), static_cast<int64_t>(Load<T>(values, r)));
  }
}

}  // namespace

struct MaskFilter::Node {
  enum class Kind { kCompare, kIn, kIsNull, kTruth, kAnd, kOr, kNot };
  Kind kind = Kind::kCompare;
  // Leaves: the column (schema position) and its type.
  size_t column = 0;
  TypeId type = TypeId::kInt64;
  // kCompare: column op constant, in doubles or in int64.
  Op op = Op::kEq;
  Number constant;
  // kIn: the sorted int64 constants.
  std::vector<int64_t> set;
  // kIsNull: IS NOT NULL.
  bool negated = false;
  std::unique_ptr<Node> a, b;
  // kAnd: the schema positions b reads, ascending (EvalSparseAnd gathers
  // them), its number among the filter's ANDs, and where its gathered values
  // go in the evaluation's space (Work).
  std::vector<size_t> b_columns;
  size_t and_index = 0;
  size_t gather_offset = 0;

  size_t Depth() const {
    return 1 + std::max(a ? a->Depth() : 0, b ? b->Depth() : 0);
  }
};

namespace {

using Node = MaskFilter::Node;

// What a filter is compiled against: the schema, and the index's copies
// of the columns it is evaluated over, with the dictionaries of their coded
// string columns (or none: the table's own columns).
struct Context {
  const table::Schema& schema;
  const index::NodeAttributes* copies;

  bool Coded(const Expr& e) const {
    return copies != nullptr && e.kind == Expr::Kind::kColumn && e.column_index >= 0 && e.component < 0 &&
           copies->Coded(static_cast<size_t>(e.column_index));
  }
  // The code of a string literal in column's dictionary, as a constant: -1,
  // which no code equals, for a word the dictionary lacks. False for other
  // expressions.
  bool Code(const Expr& column, const Expr& word, int64_t* out) const {
    if (word.kind != Expr::Kind::kLiteral || word.literal.kind != table::Value::Kind::kString) return false;
    const uint32_t code = copies->CodeOf(static_cast<size_t>(column.column_index), word.literal.s);
    *out = code == index::NodeAttributes::kNoCode ? -1 : static_cast<int64_t>(code);
    return true;
  }
};

// A leaf on column: one of the mask columns, or a coded string column when
// `coded` (whose values are then its codes). Over the index's copies, the
// leaf reads the type they store (integers narrowed, codes).
std::unique_ptr<Node> Leaf(Node::Kind kind, const Expr& column, const Context& cx, bool coded = false) {
  if (column.kind != Expr::Kind::kColumn || column.column_index < 0 || column.component >= 0) return nullptr;
  const auto position = static_cast<size_t>(column.column_index);
  const table::ColumnType& type = cx.schema.column(position).type;
  if (!(coded && cx.Coded(column)) && !IsMaskColumn(type)) return nullptr;
  auto n = std::make_unique<Node>();
  n->kind = kind;
  n->column = position;
  if (cx.copies != nullptr && !cx.copies->Holds({position})) return nullptr;
  n->type = cx.copies != nullptr ? cx.copies->StoredType(position) : type.id;
  return n;
}

// How early an AND should test a side, lower first: equality and IN
// (usually few rows pass, so the other side is then tested at those rows
// only: EvalSparseAnd), then ranges, then the tests most rows pass (!=, IS
// NULL, NOT); among equals, the side reading fewer bytes a row.
size_t EvalRank(const Node& n) {
  using Kind = Node::Kind;
  switch (n.kind) {
    case Kind::kAnd: return std::min(EvalRank(*n.a), EvalRank(*n.b));
    case Kind::kOr: return std::max(EvalRank(*n.a), EvalRank(*n.b));
    case Kind::kNot: return 3 * 16;
    default: break;
  }
  size_t order = 2;  // kIsNull, kNe
  if (n.kind == Kind::kIn || (n.kind == Kind::kCompare && n.op == Op::kEq)) {
    order = 0;
  } else if (n.kind == Kind::kTruth || (n.kind == Kind::kCompare && n.op != Op::kNe)) {
    order = 1;
  }
  return order * 16 + table::ColumnType{n.type, 0}.FixedWidth();
}

void CollectColumns(const Node& n, std::vector<size_t>* out) {
  if (n.a) CollectColumns(*n.a, out);
  if (n.b) CollectColumns(*n.b, out);
  if (!n.a && !n.b) out->push_back(n.column);
}

// The schema positions n's tree reads, ascending, each once.
std::vector<size_t> ColumnsOf(const Node& n) {
  std::vector<size_t> columns;
  CollectColumns(n, &columns);
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  return columns;
}

std::unique_ptr<Node> Join(Node::Kind kind, std::unique_ptr<Node> a, std::unique_ptr<Node> b) {
  if (!a || (kind != Node::Kind::kNot && !b)) return nullptr;
  auto n = std::make_unique<Node>();
  n->kind = kind;
  if (kind == Node::Kind::kAnd) {
    // Three-valued AND is commutative, and no test fails: either order gives the same masks.
    if (EvalRank(*b) < EvalRank(*a)) std::swap(a, b);
    n->b_columns = ColumnsOf(*b);
  }
  n->a = std::move(a);
  n->b = std::move(b);
  return n;
}

// column = 'word' or column != 'word' on a coded string column.
std::unique_ptr<Node> CodedCompare(Op op, const Expr& lhs, const Expr& rhs, const Context& cx) {
  if (op != Op::kEq && op != Op::kNe) return nullptr;
  const bool left = cx.Coded(lhs);
  const Expr& column = left ? lhs : rhs;
  int64_t code;
  if (!cx.Code(column, left ? rhs : lhs, &code)) return nullptr;
  auto n = Leaf(Node::Kind::kCompare, column, cx, true);
  n->op = op;
  n->constant = {false, code, 0};
  return n;
}

std::unique_ptr<Node> CompareNode(Op op, const Expr& lhs, const Expr& rhs, const Context& cx) {
  if (cx.Coded(lhs) || cx.Coded(rhs)) return CodedCompare(op, lhs, rhs, cx);
  Number k;
  const Expr* column = &lhs;
  if (ConstantOf(rhs, &k)) {
    column = &lhs;
  } else if (ConstantOf(lhs, &k)) {
    column = &rhs;
    op = FlipComparison(op);
  } else {
    return nullptr;
  }
  auto n = Leaf(Node::Kind::kCompare, *column, cx);
  if (!n) return nullptr;
  n->op = op;
  n->constant = k;
  if (IsFloatColumn(n->type) && !k.is_double) n->constant = {true, 0, static_cast<double>(k.i)};
  return n;
}

// column [NOT] IN ('a', 'b', ...) on a coded string column.
std::unique_ptr<Node> CodedIn(const Expr& e, const Context& cx) {
  auto n = Leaf(Node::Kind::kIn, *e.args[0], cx, true);
  for (size_t i = 1; i < e.args.size(); i++) {
    int64_t code;
    if (!cx.Code(*e.args[0], *e.args[i], &code)) return nullptr;
    if (code >= 0) n->set.push_back(code);
  }
  std::sort(n->set.begin(), n->set.end());
  return e.negated ? Join(Node::Kind::kNot, std::move(n), nullptr) : std::move(n);
}

std::unique_ptr<Node> Build(const Expr& e, const Context& cx);

// The AND or OR of args[lo, hi) as binary nodes: folded to the left while
// short (as the terms were written), halved while long, so that a chain of
// thousands of terms is a tree of a few dozen levels.
std::unique_ptr<Node> JoinRange(Node::Kind kind, const std::vector<const Expr*>& terms, size_t lo, size_t hi,
                                const Context& cx) {
  constexpr size_t kFoldedTerms = 32;
  if (hi - lo > kFoldedTerms) {
    const size_t mid = lo + (hi - lo) / 2;
    return Join(kind, JoinRange(kind, terms, lo, mid, cx), JoinRange(kind, terms, mid, hi, cx));
  }
  std::unique_ptr<Node> all = Build(*terms[lo], cx);
  for (size_t i = lo + 1; i < hi && all; i++) all = Join(kind, std::move(all), Build(*terms[i], cx));
  return all;
}

std::unique_ptr<Node> JoinAll(Node::Kind kind, const std::vector<ExprPtr>& args, const Context& cx) {
  std::vector<const Expr*> terms;
  for (const auto& a : args) terms.push_back(a.get());
  return JoinRange(kind, terms, 0, terms.size(), cx);
}

std::unique_ptr<Node> Build(const Expr& e, const Context& cx) {
  using K = Expr::Kind;
  switch (e.kind) {
    case K::kAnd: return JoinAll(Node::Kind::kAnd, e.args, cx);
    case K::kOr: return JoinAll(Node::Kind::kOr, e.args, cx);
    case K::kNot: return Join(Node::Kind::kNot, Build(*e.args[0], cx), nullptr);
    case K::kColumn: return e.type == Type::kBool ? Leaf(Node::Kind::kTruth, e, cx) : nullptr;
    case K::kCompare: return CompareNode(e.op, *e.args[0], *e.args[1], cx);
    case K::kBetween: {
      auto both = Join(Node::Kind::kAnd, CompareNode(Op::kGe, *e.args[0], *e.args[1], cx),
                       CompareNode(Op::kLe, *e.args[0], *e.args[2], cx));
      return e.negated ? Join(Node::Kind::kNot, std::move(both), nullptr) : std::move(both);
    }
    case K::kIsNull: {
      auto n = Leaf(Node::Kind::kIsNull, *e.args[0], cx, true);
      if (n) n->negated = e.negated;
      return n;
    }
    case K::kIn: {
      if (cx.Coded(*e.args[0])) return CodedIn(e, cx);
      auto n = Leaf(Node::Kind::kIn, *e.args[0], cx);
      if (!n) return nullptr;
      bool doubles = IsFloatColumn(n->type);
      std::vector<Number> items(e.args.size() - 1);
      for (size_t i = 1; i < e.args.size(); i++) {
        if (!ConstantOf(*e.args[i], &items[i - 1])) return nullptr;
        doubles = doubles || items[i - 1].is_double;
      }
      std::unique_ptr<Node> any;
      if (!doubles) {
        for (const Number& k : items) n->set.push_back(k.i);
        std::sort(n->set.begin(), n->set.end());
        any = std::move(n);
      } else {  // as EvaluateFilter: a chain of equalities, compared in doubles
        for (size_t i = 1; i < e.args.size(); i++) {
          auto eq = CompareNode(Op::kEq, *e.args[0], *e.args[i], cx);
          if (!eq) return nullptr;
          eq->constant = {true, 0, items[i - 1].is_double ? items[i - 1].d : static_cast<double>(items[i - 1].i)};
          any = any ? Join(Node::Kind::kOr, std::move(any), std::move(eq)) : std::move(eq);
        }
      }
      return e.negated ? Join(Node::Kind::kNot, std::move(any), nullptr) : std::move(any);
    }
    default: return nullptr;
  }
}

// Three-valued AND (or OR) of masks a and b into a; `no` only when need_no.
void Combine(bool is_and, size_t rows, bool need_no, uint8_t* __restrict yes, uint8_t* __restrict no,
             const uint8_t* __restrict yes2, const uint8_t* __restrict no2) {
  if (is_and) {
    for (size_t r = 0; r < rows; r++) yes[r] &= yes2[r];
    if (need_no) {
      for (size_t r = 0; r < rows; r++) no[r] |= no2[r];
    }
  } else {
    for (size_t r = 0; r < rows; r++) yes[r] |= yes2[r];
    if (need_no) {
      for (size_t r = 0; r < rows; r++) no[r] &= no2[r];
    }
  }
}

// no = NOT yes where the value is known (when need_no); yes = 0 where it is
// not (nulls: 1 = NULL, or nullptr).
void ApplyNulls(size_t rows, const uint8_t* __restrict nulls, bool need_no, uint8_t* __restrict yes,
                uint8_t* __restrict no) {
  if (nulls == nullptr) {
    if (need_no) {
      for (size_t r = 0; r < rows; r++) no[r] = yes[r] ^ 1;
    }
    return;
  }
  if (!need_no) {
    for (size_t r = 0; r < rows; r++) yes[r] &= nulls[r] ^ 1;
    return;
  }
  for (size_t r = 0; r < rows; r++) {
    const uint8_t known = nulls[r] ^ 1;
    no[r] = (yes[r] ^ 1) & known;
    yes[r] &= known;
  }
}

void NullTest(size_t rows, const uint8_t* __restrict nulls, bool negated, bool need_no, uint8_t* __restrict yes,
              uint8_t* __restrict no) {
  const uint8_t flip = negated ? 1 : 0;  // IS NOT NULL
  if (nulls == nullptr) {
    std::memset(yes, flip, rows);
  } else {
    for (size_t r = 0; r < rows; r++) yes[r] = nulls[r] ^ flip;
  }
  if (need_no) {
    for (size_t r = 0; r < rows; r++) no[r] = yes[r] ^ 1;
  }
}

// yes[r] = whether value r (of storage type T) passes leaf n, NULLs aside.
template <typename T>
[[gnu::always_inline]] inline void LeafOfType(const Node& n, const uint8_t* values, size_t rows, uint8_t* yes) {
  if (n.kind == Node::Kind::kIn) {
    if constexpr (std::is_integral_v<T>) InLoop<T>(values, rows, n.set, yes);
  } else if (n.constant.is_double) {
    CompareLoop<T, double>(values, rows, n.op, n.constant.d, yes);
  } else if constexpr (std::is_integral_v<T>) {
    CompareInteger<T>(values, rows, n.op, n.constant.i, yes);
  }
}

// yes[r] = whether the value of row r passes leaf n (NULLs aside). Cloned
// for AVX2, which compares 64-bit integers in vectors (the x86-64 baseline
// does not); the loader picks the clone the CPU runs. Every loop it runs is
// inlined into it, so that the clone holds them as AVX2 code.
__attribute__((target_clones("avx2", "default"))) void LeafMask(const Node& n, const uint8_t* values, size_t rows,
                                                                 uint8_t* yes) {
  if (n.kind == Node::Kind::kTruth) {
    CompareLoop<uint8_t, uint8_t>(values, rows, Op::kNe, 0, yes);
    return;
  }
  switch (n.type) {
    case TypeId::kBool:
    case TypeId::kUInt8: LeafOfType<uint8_t>(n, values, rows, yes); break;
    case TypeId::kInt8: LeafOfType<int8_t>(n, values, rows, yes); break;
    case TypeId::kInt16: LeafOfType<int16_t>(n, values, rows, yes); break;
    case TypeId::kUInt16: LeafOfType<uint16_t>(n, values, rows, yes); break;
    case TypeId::kInt32: LeafOfType<int32_t>(n, values, rows, yes); break;
    case TypeId::kUInt32: LeafOfType<uint32_t>(n, values, rows, yes); break;
    case TypeId::kFloat32: LeafOfType<float>(n, values, rows, yes); break;
    case TypeId::kFloat64: LeafOfType<double>(n, values, rows, yes); break;
    default: LeafOfType<int64_t>(n, values, rows, yes); break;  // int64, timestamp
  }
}

void Eval(const Node& n, const std::vector<table::ColumnView>& columns, size_t rows, bool need_no, uint8_t* yes,
          uint8_t* no, uint8_t* scratch, const Work& work);

// to[j] = value at[j] of from, for values `width` bytes wide.
template <size_t width>
void Gather(const uint8_t* __restrict from, const uint32_t* at, size_t count, uint8_t* __restrict to) {
  for (size_t j = 0; j < count; j++) std::memcpy(to + j * width, from + size_t{at[j]} * width, width);
}

// yes[r] &= n.b at the rows where yes[r] is 1 (n: an AND, whose first side
// gave yes; bits: yes packed), evaluating n.b over its columns' values at
// those rows only.
// Points picked[c] (a copy of columns) at the values of column c at rows
// at[0 .. count), gathered into space, for each c of positions: stride
// bytes of space each, which hold count values and NULL flags.
void GatherColumns(const std::vector<size_t>& positions, const std::vector<table::ColumnView>& columns,
                   const uint32_t* at, size_t count, uint8_t* space, size_t stride,
                   std::vector<table::ColumnView>* picked) {
  *picked = columns;
  for (size_t column : positions) {
    const table::ColumnView& from = columns[column];
    table::ColumnView& to = (*picked)[column];
    const size_t width = from.type.FixedWidth();
    switch (width) {
      case 1: Gather<1>(from.values, at, count, space); break;
      case 2: Gather<2>(from.values, at, count, space); break;
      case 4: Gather<4>(from.values, at, count, space); break;
      default: Gather<8>(from.values, at, count, space); break;
    }
    to.values = space;
    to.length = count;
    if (from.nulls) {
      uint8_t* nulls = space + count * width;
      for (size_t j = 0; j < count; j++) nulls[j] = from.nulls[at[j]];
      to.nulls = nulls;
    }
    space += stride;
  }
}

void EvalSparseAnd(const Node& n, const std::vector<table::ColumnView>& columns, const uint64_t* bits, size_t rows,
                   uint8_t* yes, uint8_t* scratch, const Work& work) {
  auto* at = reinterpret_cast<uint32_t*>(work.gather + n.gather_offset);
  const size_t count = BitPositions(bits, (rows + 63) / 64, 0, at);  // at most rows / kSparseAnd
  std::vector<table::ColumnView>& picked = (*work.picked)[n.and_index];
  GatherColumns(n.b_columns, columns, at, count, work.gather + n.gather_offset + kPositionBytes, kGatherBytes,
                &picked);
  uint8_t* yes2 = scratch;
  Eval(*n.b, picked, count, false, yes2, scratch + MaskFilter::kMaxRows, scratch + 2 * MaskFilter::kMaxRows, work);
  for (size_t j = 0; j < count; j++) yes[at[j]] = yes2[j];
}

// Row masks of one node: yes[r] when true, no[r] when false (neither:
// NULL). `no` is left as it is unless need_no: the root's is never read, and
// only NOT reads a child's.
void Eval(const Node& n, const std::vector<table::ColumnView>& columns, size_t rows, bool need_no, uint8_t* yes,
          uint8_t* no, uint8_t* scratch, const Work& work) {
  using Kind = Node::Kind;
  switch (n.kind) {
    case Kind::kAnd:
      if (!need_no) {
        Eval(*n.a, columns, rows, false, yes, no, scratch, work);
        uint64_t bits[MaskFilter::kMaxRows / 64];
        const size_t passing = PackByteMask(yes, nullptr, rows, bits);
        if (passing == 0) return;  // b cannot add a row
        if (passing * kSparseAnd <= rows) {
          EvalSparseAnd(n, columns, bits, rows, yes, scratch, work);
        } else {
          Eval(*n.b, columns, rows, false, scratch, scratch + MaskFilter::kMaxRows, scratch + 2 * MaskFilter::kMaxRows,
               work);
          Combine(true, rows, false, yes, no, scratch, nullptr);
        }
        return;
      }
      [[fallthrough]];
    case Kind::kOr: {
      uint8_t* yes2 = scratch;
      uint8_t* no2 = scratch + MaskFilter::kMaxRows;
      uint8_t* deeper = scratch + 2 * MaskFilter::kMaxRows;
      Eval(*n.a, columns, rows, need_no, yes, no, deeper, work);
      Eval(*n.b, columns, rows, need_no, yes2, no2, deeper, work);
      Combine(n.kind == Kind::kAnd, rows, need_no, yes, no, yes2, no2);
      return;
    }
    case Kind::kNot:
      Eval(*n.a, columns, rows, true, no, yes, scratch, work);  // true and false trade places; NULL stays
      return;
    default: break;
  }
  const table::ColumnView& col = columns[n.column];
  switch (n.kind) {
    case Kind::kIsNull:
      NullTest(rows, col.nulls, n.negated, need_no, yes, no);
      return;  // never NULL itself
    default:
      LeafMask(n, col.values, rows, yes);
      break;
  }
  ApplyNulls(rows, col.nulls, need_no, yes, no);
}

}  // namespace

namespace {

// Numbers the ANDs of n's tree and places their gathered values, from
// *ands and *bytes on.
void PlanGathers(Node& n, size_t* ands, size_t* bytes) {
  if (n.kind == Node::Kind::kAnd) {
    n.and_index = (*ands)++;
    n.gather_offset = *bytes;  // its row list, then its gathered columns (multiples of 4 bytes)
    *bytes += kPositionBytes + n.b_columns.size() * kGatherBytes;
  }
  if (n.a) PlanGathers(*n.a, ands, bytes);
  if (n.b) PlanGathers(*n.b, ands, bytes);
}

}  // namespace

MaskFilter::MaskFilter(std::unique_ptr<Node> root) : root_(std::move(root)), depth_(root_->Depth()) {
  PlanGathers(*root_, &ands_, &gather_bytes_);
  columns_ = ColumnsOf(*root_);
}
MaskFilter::~MaskFilter() = default;

std::unique_ptr<const MaskFilter> MaskFilter::Compile(const Filter& filter, const table::Schema& schema,
                                                      const index::NodeAttributes* copies) {
  if (!filter.root) return nullptr;
  return CompileAnd({filter.root.get()}, schema, copies);
}

std::unique_ptr<const MaskFilter> MaskFilter::CompileAnd(const std::vector<const Expr*>& conjuncts,
                                                         const table::Schema& schema,
                                                         const index::NodeAttributes* copies) {
  if (conjuncts.empty()) return nullptr;
  std::unique_ptr<Node> root = JoinRange(Node::Kind::kAnd, conjuncts, 0, conjuncts.size(), Context{schema, copies});
  if (!root) return nullptr;
  return std::unique_ptr<const MaskFilter>(new MaskFilter(std::move(root)));
}

void MaskFilter::Evaluate(const std::vector<table::ColumnView>& columns, size_t rows, uint8_t* pass) const {
  thread_local std::vector<uint8_t> space, gather;
  thread_local std::vector<std::vector<table::ColumnView>> picked;
  const size_t need = (2 * depth_ + 1) * kMaxRows;
  if (space.size() < need) space.resize(need);
  if (gather.size() < gather_bytes_) gather.resize(gather_bytes_);
  if (picked.size() < ands_) picked.resize(ands_);
  uint8_t* no = space.data();
  Eval(*root_, columns, rows, false, pass, no, space.data() + kMaxRows, Work{gather.data(), &picked});
}

void MaskFilter::EvaluateAt(const std::vector<table::ColumnView>& columns, const uint32_t* at, size_t n,
                            uint8_t* pass) const {
  constexpr size_t kStride = kMaxRows * 9;  // values of at most 8 bytes and NULL flags
  thread_local std::vector<uint8_t> space;
  thread_local std::vector<table::ColumnView> picked;
  if (space.size() < columns_.size() * kStride) space.resize(columns_.size() * kStride);
  GatherColumns(columns_, columns, at, n, space.data(), kStride, &picked);
  Evaluate(picked, n, pass);
}

}  // namespace embodb::query
