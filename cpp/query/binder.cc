// Binding: resolves column names and checks and sets the type of every node
// of a parsed filter (CompileFilter in filter.h).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "query/filter.h"
#include "query/lexer.h"
#include "query/parser.h"
#include "query/time_literal.h"

namespace embodb::query {

const char* TypeName(Type t) {
  switch (t) {
    case Type::kNull: return "NULL";
    case Type::kBool: return "bool";
    case Type::kInt: return "integer";
    case Type::kDouble: return "float";
    case Type::kString: return "string";
    case Type::kBytes: return "bytes";
    case Type::kTimestamp: return "timestamp";
    case Type::kArray: return "array";
  }
  return "?";
}

const char* OpName(Op op) {
  switch (op) {
    case Op::kNone: return "";
    case Op::kAdd: return "+";
    case Op::kSub: return "-";
    case Op::kMul: return "*";
    case Op::kDiv: return "/";
    case Op::kMod: return "%";
    case Op::kEq: return "=";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
  }
  return "?";
}

Type ColumnExprType(const table::ColumnType& t) {
  using table::TypeId;
  if (t.IsInteger()) return Type::kInt;
  if (t.IsFloat()) return Type::kDouble;
  switch (t.id) {
    case TypeId::kBool: return Type::kBool;
    case TypeId::kString: return Type::kString;
    case TypeId::kBytes: return Type::kBytes;
    case TypeId::kTimestamp: return Type::kTimestamp;
    default: return Type::kArray;
  }
}

namespace {

bool IsNumeric(Type t) { return t == Type::kInt || t == Type::kDouble; }
bool IsStringLike(Type t) { return t == Type::kString || t == Type::kBytes; }

class Binder {
 public:
  Binder(std::string_view text, const table::Schema& schema) : text_(text), schema_(schema) {}

  Status Bind(Expr* e) {
    for (auto& a : e->args) EMBODB_RETURN_IF_ERROR(Bind(a.get()));
    switch (e->kind) {
      case Expr::Kind::kLiteral: return BindLiteral(e);
      case Expr::Kind::kColumn: return BindColumn(e);
      case Expr::Kind::kNegate: {
        const Type t = e->args[0]->type;
        if (!IsNumeric(t) && t != Type::kNull) return Wrong(*e->args[0], "cannot negate", "a number");
        e->type = t;
        return Status::OK();
      }
      case Expr::Kind::kNot:
        EMBODB_RETURN_IF_ERROR(NeedCondition(*e->args[0], "NOT"));
        e->type = Type::kBool;
        return Status::OK();
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr:
        for (const auto& a : e->args) {
          EMBODB_RETURN_IF_ERROR(NeedCondition(*a, e->kind == Expr::Kind::kAnd ? "AND" : "OR"));
        }
        e->type = Type::kBool;
        return Status::OK();
      case Expr::Kind::kArith: return BindArith(e);
      case Expr::Kind::kCompare:
        EMBODB_RETURN_IF_ERROR(Comparable(e, e->args[0].get(), e->args[1].get()));
        e->type = Type::kBool;
        return Status::OK();
      case Expr::Kind::kIn:
      case Expr::Kind::kBetween:
        for (size_t i = 1; i < e->args.size(); i++) {
          EMBODB_RETURN_IF_ERROR(Comparable(e, e->args[0].get(), e->args[i].get()));
        }
        e->type = Type::kBool;
        return Status::OK();
      case Expr::Kind::kIsNull:
        e->type = Type::kBool;
        return Status::OK();
      case Expr::Kind::kWithin:
      case Expr::Kind::kInBox:
      case Expr::Kind::kDistance: return BindSpatial(e);
      case Expr::Kind::kLike:
        for (const auto& a : e->args) {
          if (!IsStringLike(a->type) && a->type != Type::kNull) return Wrong(*a, "LIKE needs", "a string");
        }
        e->type = Type::kBool;
        return Status::OK();
    }
    return Status::OK();
  }

  std::vector<size_t> columns() const { return {used_.begin(), used_.end()}; }

 private:
  Status Error(const Expr& e, const std::string& message) const {
    return FilterError(text_, e.pos, e.end, message);
  }
  // "<what> <describe e>: expected <expected>"
  Status Wrong(const Expr& e, const std::string& what, const std::string& expected) const {
    return Error(e, what + " " + Describe(e) + " (expected " + expected + ")");
  }
  std::string Describe(const Expr& e) const {
    if (e.kind == Expr::Kind::kColumn && e.component >= 0) {
      return "float32 '" + std::string(text_.substr(e.pos, e.end - e.pos)) + "'";
    }
    if (e.kind == Expr::Kind::kColumn) {
      return schema_.column(e.column_index).type.Name() + " column '" + e.column + "'";
    }
    return std::string(TypeName(e.type)) + " '" + std::string(text_.substr(e.pos, e.end - e.pos)) + "'";
  }

  Status BindLiteral(Expr* e) {
    using K = table::Value::Kind;
    if (e->timestamp_literal) {
      int64_t ns;
      if (!ParseIsoTimestamp(e->literal.s, &ns)) return Error(*e, "not an ISO time: '" + e->literal.s + "'");
      e->literal = table::Value::Int(ns);
      e->type = Type::kTimestamp;
      return Status::OK();
    }
    switch (e->literal.kind) {
      case K::kNull: e->type = Type::kNull; break;
      case K::kBool: e->type = Type::kBool; break;
      case K::kInt:
      case K::kUInt: e->type = Type::kInt; break;
      case K::kDouble: e->type = Type::kDouble; break;
      case K::kString: e->type = Type::kString; break;
    }
    return Status::OK();
  }

  Status BindColumn(Expr* e) {
    const int c = schema_.Find(e->column);
    if (c < 0) {
      std::string names;
      for (const auto& col : schema_.columns()) names += (names.empty() ? "" : ", ") + col.name;
      // An unknown column is a SchemaError, like everywhere else.
      return Status::Schema(Error(*e, "no column '" + e->column + "' (columns: " + names + ")").message());
    }
    e->column_index = c;
    const table::ColumnType& type = schema_.column(c).type;
    e->type = ColumnExprType(type);
    if (e->component >= 0) {
      // A component is a float32 of the column's fixed-width array.
      const bool point = type.id == table::TypeId::kPoint3, vector = type.id == table::TypeId::kVector;
      if (!point && !vector) {
        return Status::Schema(Error(*e, "'" + e->column + "' is a " + type.Name() +
                                            " column: only point3 (.x .y .z, [0..2]) and vector ([i]) columns have components")
                                  .message());
      }
      if (e->axis && !point) {
        return Status::Schema(Error(*e, "'" + e->column + "' is a " + type.Name() +
                                            " column: .x .y .z name the axes of a point3; take a vector's with [i]")
                                  .message());
      }
      const size_t size = point ? 3 : type.param;
      if (static_cast<size_t>(e->component) >= size) {
        return Status::Schema(Error(*e, "component " + std::to_string(e->component) + " of " + type.Name() +
                                            " column '" + e->column + "': it has " + std::to_string(size) +
                                            " (0 to " + std::to_string(size - 1) + ")")
                                  .message());
      }
      e->type = Type::kDouble;
    }
    used_.insert(static_cast<size_t>(c));
    return Status::OK();
  }

  // v as the shortest text that reads back as it.
  static std::string Shortest(double v) {
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    return std::string(buf, end);
  }

  // A spatial function: a whole point3 column, coordinates that fit a
  // float32, a radius >= 0, a box's lo <= hi.
  Status BindSpatial(Expr* e) const {
    const Expr& column = *e->args[0];
    const std::string fn = e->kind == Expr::Kind::kWithin ? "within" : e->kind == Expr::Kind::kInBox ? "in_box" : "distance";
    const table::ColumnType& type = schema_.column(column.column_index).type;
    if (type.id != table::TypeId::kPoint3) {
      return Error(column, fn + "() needs a point3 column, not " + Describe(column));
    }
    for (double v : e->numbers) {
      if (std::fabs(v) > std::numeric_limits<float>::max()) {
        return Error(*e, fn + "(): " + Shortest(v) + " is outside the float32 range of point3 coordinates");
      }
    }
    if (e->kind == Expr::Kind::kWithin && e->numbers[3] < 0) {
      return Error(*e, "within(): the radius must be >= 0, not " + Shortest(e->numbers[3]));
    }
    if (e->kind == Expr::Kind::kInBox) {
      for (int a = 0; a < 3; a++) {
        if (static_cast<float>(e->numbers[a]) > static_cast<float>(e->numbers[3 + a])) {
          return Error(*e, std::string("in_box(): the box's lo is above its hi on axis ") + "xyz"[a]);
        }
      }
    }
    e->type = e->kind == Expr::Kind::kDistance ? Type::kDouble : Type::kBool;
    return Status::OK();
  }

  Status NeedCondition(const Expr& e, const std::string& op) const {
    if (e.type == Type::kBool || e.type == Type::kNull) return Status::OK();
    return Wrong(e, op + " needs a condition, not", "true or false");
  }

  Status BindArith(Expr* e) {
    const Type a = e->args[0]->type, b = e->args[1]->type;
    const bool a_time = a == Type::kTimestamp, b_time = b == Type::kTimestamp;
    if (a_time || b_time) {
      // time ± integer nanoseconds -> time; time - time -> integer nanoseconds
      if (a_time && b_time && e->op == Op::kSub) {
        e->type = Type::kInt;
      } else if (a_time && (b == Type::kInt || b == Type::kNull) && (e->op == Op::kAdd || e->op == Op::kSub)) {
        e->type = Type::kTimestamp;
      } else if (b_time && (a == Type::kInt || a == Type::kNull) && e->op == Op::kAdd) {
        e->type = Type::kTimestamp;
      } else {
        return Error(*e, std::string("cannot apply ") + OpName(e->op) + " to " + TypeName(a) + " and " + TypeName(b));
      }
      return Status::OK();
    }
    for (const auto& x : e->args) {
      if (!IsNumeric(x->type) && x->type != Type::kNull) {
        return Wrong(*x, std::string("cannot apply ") + OpName(e->op) + " to", "a number");
      }
    }
    if (e->op == Op::kMod && (a == Type::kDouble || b == Type::kDouble)) {
      return Error(*e, "% needs integers");
    }
    if (a == Type::kNull && b == Type::kNull) {
      e->type = Type::kNull;
    } else {
      e->type = (a == Type::kDouble || b == Type::kDouble) ? Type::kDouble : Type::kInt;
    }
    return Status::OK();
  }

  // Whether a and b can be compared; turns a string literal compared with a
  // timestamp into the time.
  Status Comparable(const Expr* parent, Expr* a, Expr* b) {
    for (Expr* x : {a, b}) {
      if (x->type == Type::kArray) {
        return Error(*x, Describe(*x) + " can only be tested with IS NULL or IS NOT NULL");
      }
    }
    if (a->type == Type::kTimestamp) EMBODB_RETURN_IF_ERROR(CoerceTime(b));
    if (b->type == Type::kTimestamp) EMBODB_RETURN_IF_ERROR(CoerceTime(a));
    const Type ta = a->type, tb = b->type;
    if (ta == Type::kNull || tb == Type::kNull || ta == tb) return Status::OK();
    const auto numeric_like = [](Type t) { return IsNumeric(t) || t == Type::kBool; };
    if (numeric_like(ta) && numeric_like(tb)) {
      if (ta == Type::kBool || tb == Type::kBool) {
        // bool only with bool or the integers 0 and 1
        const Expr* other = ta == Type::kBool ? b : a;
        if (other->type == Type::kDouble) return Error(*parent, "cannot compare a bool with a float");
      }
      return Status::OK();
    }
    if (IsStringLike(ta) && IsStringLike(tb)) return Status::OK();
    if ((ta == Type::kTimestamp && tb == Type::kInt) || (ta == Type::kInt && tb == Type::kTimestamp)) {
      return Status::OK();
    }
    return Error(*parent, "cannot compare " + Describe(*a) + " with " + Describe(*b));
  }

  Status CoerceTime(Expr* e) const {
    if (e->kind != Expr::Kind::kLiteral || e->type != Type::kString) return Status::OK();
    int64_t ns;
    if (!ParseIsoTimestamp(e->literal.s, &ns)) {
      return Error(*e, "not an ISO time: '" + e->literal.s + "' (for example '2026-11-01T10:00:00Z')");
    }
    e->literal = table::Value::Int(ns);
    e->type = Type::kTimestamp;
    return Status::OK();
  }

  std::string_view text_;
  const table::Schema& schema_;
  std::set<size_t> used_;
};

}  // namespace

Result<std::shared_ptr<Filter>> CompileExpression(std::string_view text, const table::Schema& schema) {
  auto filter = std::make_shared<Filter>();
  filter->text = std::string(text);
  EMBODB_ASSIGN_OR_RETURN(filter->root, ParseExpression(filter->text));
  Binder binder(filter->text, schema);
  EMBODB_RETURN_IF_ERROR(binder.Bind(filter->root.get()));
  filter->columns = binder.columns();
  return filter;
}

Result<FilterPtr> CompileFilter(std::string_view text, const table::Schema& schema) {
  EMBODB_ASSIGN_OR_RETURN(std::shared_ptr<Filter> filter, CompileExpression(text, schema));
  const Type t = filter->root->type;
  if (t != Type::kBool && t != Type::kNull) {
    return FilterError(filter->text, 0, filter->text.size(),
                       std::string("the filter must be a condition (true or false), not a ") + TypeName(t));
  }
  return FilterPtr(std::move(filter));
}

FilterPtr WithPlan(const FilterPtr& filter, std::shared_ptr<const Plan> plan, uint64_t sequence) {
  auto copy = std::make_shared<Filter>(*filter);
  copy->planned = std::move(plan);
  copy->planned_at = sequence;
  return copy;
}

}  // namespace embodb::query
