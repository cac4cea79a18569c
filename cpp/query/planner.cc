#include <algorithm>
#include <optional>

#include "query/conjuncts.h"
#include "query/plan.h"
#include "table/index_codec.h"
#include "table/key_codec.h"

namespace embodb::query {

namespace {

using table::Value;

// Constraints on one column (the primary key or an indexed column) gathered
// from the conjuncts, as sets and bounds of encoded values: row-key tails for
// the primary key, index values (index_codec.h) for an index.
class ColumnConstraints {
 public:
  ColumnConstraints(const table::Schema& schema, size_t column, bool is_key)
      : column_(column), type_(schema.column(column).type), name_(schema.column(column).name), is_key_(is_key) {}

  void Add(const Expr* c) {
    if (c->kind == Expr::Kind::kCompare) {
      const Expr* a = c->args[0].get();
      const Expr* b = c->args[1].get();
      Op op = c->op;
      if (IsMine(b) && !IsMine(a)) {
        std::swap(a, b);
        op = FlipComparison(op);
      }
      if (!IsMine(a) || !IsUsableLiteral(b)) return;
      if (op == Op::kEq) {
        AddEquals({b}, name_ + " = " + b->literal.ToString());
      } else if (op != Op::kNe) {
        AddBound(op, b->literal);
      }
    } else if (c->kind == Expr::Kind::kIn && !c->negated && IsMine(c->args[0].get())) {
      std::vector<const Expr*> items;
      for (size_t i = 1; i < c->args.size(); i++) {
        if (!IsUsableLiteral(c->args[i].get())) return;
        items.push_back(c->args[i].get());
      }
      AddEquals(items, name_ + " IN (...)");
    } else if (c->kind == Expr::Kind::kBetween && !c->negated && IsMine(c->args[0].get()) &&
               IsUsableLiteral(c->args[1].get()) && IsUsableLiteral(c->args[2].get())) {
      AddBound(Op::kGe, c->args[1]->literal);
      AddBound(Op::kLe, c->args[2]->literal);
    } else if (c->kind == Expr::Kind::kLike && !c->negated && IsMine(c->args[0].get()) &&
               c->args[1]->kind == Expr::Kind::kLiteral && c->args[1]->type == Type::kString) {
      AddLikePrefix(c->args[1]->literal.s);
    } else if (c->kind == Expr::Kind::kIsNull && !c->negated && IsMine(c->args[0].get()) && !is_key_) {
      equals_texts_.push_back(name_ + " IS NULL");
      Intersect({std::string(1, '\0')});  // the null marker
    }
  }

  bool has_equals() const { return equals_.has_value(); }
  bool has_range() const { return lower_ || upper_; }
  bool empty_range() const { return lower_ && upper_ && *lower_ >= *upper_; }

  // The equal values inside the bounds, ascending.
  std::vector<std::string> EqualsInRange() const {
    std::vector<std::string> out;
    for (const std::string& v : *equals_) {
      if ((lower_ && v < *lower_) || (upper_ && v >= *upper_)) continue;
      out.push_back(v);
    }
    return out;
  }
  std::string lower() const { return lower_.value_or(is_key_ ? "" : std::string(1, '\x01')); }
  std::string upper() const { return upper_.value_or(""); }
  std::string Text(bool equals) const {
    std::string text;
    for (const std::string& t : equals ? equals_texts_ : range_texts_) text += (text.empty() ? "" : " AND ") + t;
    return text;
  }

 private:
  bool IsMine(const Expr* e) const {
    return e->kind == Expr::Kind::kColumn && e->column_index == static_cast<int>(column_) && e->component < 0;
  }

  // A literal of the column's own kind; anything else is left to the filter.
  bool IsUsableLiteral(const Expr* e) const {
    if (e->kind != Expr::Kind::kLiteral || e->literal.is_null()) return false;
    const Value::Kind k = e->literal.kind;
    if (type_.IsFloat()) return k == Value::Kind::kInt || k == Value::Kind::kDouble;
    if (type_.id == table::TypeId::kString || type_.id == table::TypeId::kBytes) return k == Value::Kind::kString;
    if (type_.id == table::TypeId::kBool) return k == Value::Kind::kBool || k == Value::Kind::kInt;
    return k == Value::Kind::kInt;  // integers, timestamps
  }

  // The encoding of v; false when no value of the column equals v (out of range).
  bool Encode(const Value& v, std::string* out) const {
    if (is_key_) return table::AppendKeyValue(type_, v, out).ok();
    return table::AppendIndexLiteral(type_, v, out);
  }
  // The first encoding after every encoding of the value k.
  std::string After(const std::string& k) const {
    // A row key is exactly its encoding, so k + "\0" comes next; an index
    // value is followed by the primary key, so skip everything it prefixes.
    return is_key_ ? k + '\0' : table::PrefixSuccessor(k);
  }

  void Intersect(std::vector<std::string> values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (equals_) {
      std::vector<std::string> both;
      std::set_intersection(equals_->begin(), equals_->end(), values.begin(), values.end(), std::back_inserter(both));
      values = std::move(both);
    }
    equals_ = std::move(values);
  }

  void AddEquals(const std::vector<const Expr*>& items, std::string text) {
    std::vector<std::string> values;
    for (const Expr* item : items) {
      std::string k;
      if (Encode(item->literal, &k)) values.push_back(std::move(k));  // else: no row has it
    }
    equals_texts_.push_back(std::move(text));
    Intersect(std::move(values));
  }

  void AddBound(Op op, const Value& v) {
    std::string k;
    if (!Encode(v, &k)) return;  // out of the type's range: left to the filter
    switch (op) {
      case Op::kGe: Tighten(&lower_, k, true); break;
      case Op::kGt: Tighten(&lower_, After(k), true); break;
      case Op::kLt: Tighten(&upper_, k, false); break;
      case Op::kLe: Tighten(&upper_, After(k), false); break;
      default: return;
    }
    range_texts_.push_back(name_ + " " + OpName(op) + " " + v.ToString());
  }

  void AddLikePrefix(const std::string& pattern) {
    const std::string prefix = pattern.substr(0, pattern.find_first_of("%_"));
    if (prefix.empty()) return;
    std::string encoded;
    if (is_key_) {
      encoded = prefix;
    } else {
      // The value marker and the escaped prefix, without the terminator.
      table::AppendIndexLiteral(type_, Value::String(prefix), &encoded);
      encoded.resize(encoded.size() - 2);
    }
    if (encoded.find_first_not_of('\xff') == std::string::npos) return;
    Tighten(&lower_, encoded, true);
    Tighten(&upper_, table::PrefixSuccessor(encoded), false);
    range_texts_.push_back(name_ + " LIKE '" + pattern + "'");
  }

  static void Tighten(std::optional<std::string>* bound, std::string k, bool is_lower) {
    if (!*bound || (is_lower ? k > **bound : k < **bound)) *bound = std::move(k);
  }

  size_t column_;
  table::ColumnType type_;
  std::string name_;
  bool is_key_;
  std::optional<std::vector<std::string>> equals_;
  std::optional<std::string> lower_, upper_;
  std::vector<std::string> equals_texts_, range_texts_;
};

Plan EmptyPlan() {
  Plan p;
  p.kind = Plan::Kind::kEmpty;
  return p;
}

Plan IndexPlan(const table::IndexDef* index, const ColumnConstraints& c) {
  Plan p;
  p.kind = Plan::Kind::kIndexRanges;
  p.index = index;
  if (c.has_equals()) {
    for (const std::string& v : c.EqualsInRange()) p.index_ranges.emplace_back(v, table::PrefixSuccessor(v));
    p.range_text = c.Text(true);
  } else {
    p.index_ranges.emplace_back(c.lower(), c.upper());
    p.range_text = c.Text(false);
  }
  if (p.index_ranges.empty()) return EmptyPlan();
  return p;
}

// At most this many combinations of leading key values become separate
// key ranges; past it, a column's values are left to the filter.
constexpr size_t kMaxKeyPrefixes = 4096;

// How a one-column primary key narrows the rows: point lookups, a key
// range, nothing (nullopt) or no row at all.
std::optional<Plan> SingleKeyPlan(const table::Schema& schema, const std::vector<const Expr*>& conjuncts) {
  ColumnConstraints key(schema, schema.key_only_column(), true);
  for (const Expr* c : conjuncts) key.Add(c);
  Plan p;
  if (key.has_equals()) {
    p.keys = key.EqualsInRange();
    p.kind = p.keys.empty() ? Plan::Kind::kEmpty : Plan::Kind::kKeys;
    return p;
  }
  if (key.empty_range()) return EmptyPlan();
  if (!key.has_range()) return std::nullopt;
  p.kind = Plan::Kind::kKeyRange;
  p.key_ranges.emplace_back(key.lower(), key.upper());
  p.range_text = key.Text(false);
  return p;
}

// The same for a composite key: the leading key columns that are each one
// of a few values (= or IN) and a range (or LIKE 'prefix%') on the next
// one narrow the rows to one key range per combination of values; when
// every key column is given, to point lookups. Each column of the key is
// encoded as in an index (key_codec.h), so its constraints are an index's.
std::optional<Plan> CompositeKeyPlan(const table::Schema& schema, const std::vector<const Expr*>& conjuncts) {
  std::vector<std::string> prefixes = {""};  // the encoded leading values, ascending
  std::string text;
  auto add_text = [&text](const std::string& t) { text += (text.empty() || t.empty() ? "" : " AND ") + t; };
  Plan p;
  for (size_t k : schema.key_columns()) {
    ColumnConstraints c(schema, k, false);
    for (const Expr* e : conjuncts) c.Add(e);
    if (c.empty_range()) return EmptyPlan();
    if (c.has_equals()) {
      const std::vector<std::string> values = c.EqualsInRange();
      if (values.empty()) return EmptyPlan();
      if (prefixes.size() * values.size() <= kMaxKeyPrefixes) {
        std::vector<std::string> longer;  // in order: each prefix's values follow it, ascending
        for (const std::string& prefix : prefixes) {
          for (const std::string& v : values) longer.push_back(prefix + v);
        }
        prefixes = std::move(longer);
        add_text(c.Text(true));
        continue;
      }
    }
    if (prefixes.size() == 1 && prefixes[0].empty() && !c.has_range()) return std::nullopt;  // nothing on the first column
    p.kind = Plan::Kind::kKeyRange;
    const bool ranged = c.has_range();
    if (ranged) add_text(c.Text(false));
    for (const std::string& prefix : prefixes) {
      if (ranged) {
        const std::string upper = c.upper();
        p.key_ranges.emplace_back(prefix + c.lower(), upper.empty() ? table::PrefixSuccessor(prefix) : prefix + upper);
      } else {
        p.key_ranges.emplace_back(prefix, table::PrefixSuccessor(prefix));
      }
    }
    p.range_text = text;
    return p;
  }
  p.kind = Plan::Kind::kKeys;  // every key column is given
  p.keys = std::move(prefixes);
  return p;
}

}  // namespace

Plan PlanScan(const table::TableDef& table, const Filter* filter, std::optional<uint64_t> read_sequence) {
  if (filter == nullptr) return Plan{};
  if (filter->planned && read_sequence == filter->planned_at) return *filter->planned;
  if (filter->root->kind == Expr::Kind::kLiteral) {
    const Value& v = filter->root->literal;
    if (v.is_null() || (v.kind == Value::Kind::kBool && !v.b)) return EmptyPlan();
  }
  std::vector<const Expr*> conjuncts;
  SplitConjuncts(*filter->root, &conjuncts);
  const table::Schema& schema = table.schema;

  std::optional<Plan> key =
      schema.composite_key() ? CompositeKeyPlan(schema, conjuncts) : SingleKeyPlan(schema, conjuncts);
  std::vector<std::pair<const table::IndexDef*, ColumnConstraints>> indexed;
  for (const table::IndexDef& ix : table.indexes) {
    if (read_sequence && ix.created_at > *read_sequence) continue;  // not in this snapshot
    ColumnConstraints c(schema, static_cast<size_t>(schema.Find(ix.column)), false);
    for (const Expr* e : conjuncts) c.Add(e);
    if (c.has_equals() || c.has_range()) indexed.emplace_back(&ix, std::move(c));
  }

  // Preference without statistics: key lookups, index lookups, a key range,
  // an index range, everything.
  if (key && key->kind != Plan::Kind::kKeyRange) return *key;  // lookups, or nothing
  for (const auto& [ix, c] : indexed) {
    if (c.has_equals()) return IndexPlan(ix, c);
  }
  if (key) return *key;
  if (!indexed.empty()) {
    const auto& [ix, c] = indexed.front();
    return c.empty_range() ? EmptyPlan() : IndexPlan(ix, c);
  }
  return Plan{};
}

std::vector<std::string> Plan::Explain(const table::TableDef& table, const Filter* filter) const {
  std::vector<std::string> steps;
  const std::string name = "table '" + table.name + "'";
  const std::string pk = table.schema.KeyName();
  switch (kind) {
    case Kind::kFullScan: steps.push_back("scan every row of " + name + " in " + pk + " order"); break;
    case Kind::kKeyRange:
      steps.push_back("scan the " + pk + " range" + (key_ranges.size() == 1 ? "" : "s") + " " + range_text + " of " +
                      name + (key_ranges.size() == 1 ? "" : " (" + std::to_string(key_ranges.size()) + " ranges)"));
      break;
    case Kind::kKeys:
      if (!found_by.empty()) {
        steps.push_back("use " + found_by + " for " + range_text + ": " + std::to_string(keys.size()) +
                        (keys.size() == 1 ? " row" : " rows") + ", then look them up in " + name);
        break;
      }
      steps.push_back("look up " + std::to_string(keys.size()) + " " + pk + (keys.size() == 1 ? " value" : " values") +
                      " in " + name);
      break;
    case Kind::kIndexRanges:
      steps.push_back("use the index on " + index->column + " for " + range_text + " (" +
                      std::to_string(index_ranges.size()) + (index_ranges.size() == 1 ? " range" : " ranges") +
                      "), then look up the rows of " + name);
      break;
    case Kind::kEmpty:
      steps.push_back(found_by.empty() ? "no row can match: read nothing"
                                       : "use " + found_by + " for " + range_text + ": no row, read nothing");
      break;
  }
  if (filter != nullptr && kind != Kind::kEmpty) steps.push_back("filter rows by " + filter->text + " (in C++)");
  return steps;
}

}  // namespace embodb::query
