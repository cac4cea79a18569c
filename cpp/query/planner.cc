#include <algorithm>
#include <optional>

#include "query/plan.h"
#include "table/key_codec.h"

namespace embodb::query {

namespace {

using table::Value;

void Conjuncts(const Expr* e, std::vector<const Expr*>* out) {
  if (e->kind == Expr::Kind::kAnd) {
    Conjuncts(e->args[0].get(), out);
    Conjuncts(e->args[1].get(), out);
  } else {
    out->push_back(e);
  }
}

Op Flip(Op op) {
  switch (op) {
    case Op::kLt: return Op::kGt;
    case Op::kLe: return Op::kGe;
    case Op::kGt: return Op::kLt;
    case Op::kGe: return Op::kLe;
    default: return op;
  }
}

// Constraints on the primary key gathered from the conjuncts.
class KeyConstraints {
 public:
  KeyConstraints(const table::Schema& schema) : pk_(schema.primary_key()), type_(schema.primary_key_column().type) {}

  void Add(const Expr* c) {
    if (c->kind == Expr::Kind::kCompare) {
      const Expr* a = c->args[0].get();
      const Expr* b = c->args[1].get();
      Op op = c->op;
      if (IsKey(b) && !IsKey(a)) {
        std::swap(a, b);
        op = Flip(op);
      }
      if (!IsKey(a) || !IsUsableLiteral(b)) return;
      if (op == Op::kEq) {
        AddEquals({b});
      } else if (op != Op::kNe) {
        AddBound(op, b->literal);
      }
    } else if (c->kind == Expr::Kind::kIn && !c->negated && IsKey(c->args[0].get())) {
      std::vector<const Expr*> items;
      for (size_t i = 1; i < c->args.size(); i++) {
        if (!IsUsableLiteral(c->args[i].get())) return;
        items.push_back(c->args[i].get());
      }
      AddEquals(items);
    } else if (c->kind == Expr::Kind::kBetween && !c->negated && IsKey(c->args[0].get()) &&
               IsUsableLiteral(c->args[1].get()) && IsUsableLiteral(c->args[2].get())) {
      AddBound(Op::kGe, c->args[1]->literal);
      AddBound(Op::kLe, c->args[2]->literal);
    } else if (c->kind == Expr::Kind::kLike && !c->negated && IsKey(c->args[0].get()) &&
               c->args[1]->kind == Expr::Kind::kLiteral && c->args[1]->type == Type::kString) {
      const std::string& pattern = c->args[1]->literal.s;
      const std::string prefix = pattern.substr(0, pattern.find_first_of("%_"));
      if (prefix.empty() || prefix.find_first_not_of('\xff') == std::string::npos) return;
      Tighten(&lower_, prefix, true);
      Tighten(&upper_, table::PrefixSuccessor(prefix), false);
      texts_.push_back(key_name_ + " LIKE '" + pattern + "'");
    }
  }

  Plan Finish() const {
    Plan plan;
    const bool empty_range = lower_ && upper_ && *lower_ >= *upper_;
    if (equals_) {
      for (const std::string& k : *equals_) {
        if ((lower_ && k < *lower_) || (upper_ && k >= *upper_)) continue;
        plan.keys.push_back(k);
      }
      plan.kind = plan.keys.empty() ? Plan::Kind::kEmpty : Plan::Kind::kKeys;
    } else if (empty_range) {
      plan.kind = Plan::Kind::kEmpty;
    } else if (lower_ || upper_) {
      plan.kind = Plan::Kind::kKeyRange;
      plan.lower = lower_.value_or("");
      plan.upper = upper_.value_or("");
      for (const std::string& t : texts_) plan.range_text += (plan.range_text.empty() ? "" : " AND ") + t;
    }
    return plan;
  }

  void set_key_name(std::string name) { key_name_ = std::move(name); }

 private:
  bool IsKey(const Expr* e) const { return e->kind == Expr::Kind::kColumn && e->column_index == static_cast<int>(pk_); }
  // A literal of the key's own kind: an integer for an integer key, a string
  // for a string key. Anything else is left to the filter.
  bool IsUsableLiteral(const Expr* e) const {
    if (e->kind != Expr::Kind::kLiteral) return false;
    return type_.IsInteger() ? e->literal.kind == Value::Kind::kInt : e->literal.kind == Value::Kind::kString;
  }

  void AddEquals(const std::vector<const Expr*>& items) {
    std::vector<std::string> keys;
    for (const Expr* item : items) {
      std::string k;
      if (table::AppendKeyValue(type_, item->literal, &k).ok()) keys.push_back(std::move(k));
      // A value outside the key's type range matches no row.
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    if (equals_) {
      std::vector<std::string> both;
      std::set_intersection(equals_->begin(), equals_->end(), keys.begin(), keys.end(), std::back_inserter(both));
      keys = std::move(both);
    }
    equals_ = std::move(keys);
  }

  void AddBound(Op op, const Value& v) {
    std::string k;
    if (!table::AppendKeyValue(type_, v, &k).ok()) return;  // out of the type's range: left to the filter
    // Keys are compared as byte strings: k + "\0" is the first key after k.
    switch (op) {
      case Op::kGe: Tighten(&lower_, k, true); break;
      case Op::kGt: Tighten(&lower_, k + '\0', true); break;
      case Op::kLt: Tighten(&upper_, k, false); break;
      case Op::kLe: Tighten(&upper_, k + '\0', false); break;
      default: return;
    }
    texts_.push_back(key_name_ + " " + OpName(op) + " " + v.ToString());
  }

  static void Tighten(std::optional<std::string>* bound, std::string k, bool is_lower) {
    if (!*bound || (is_lower ? k > **bound : k < **bound)) *bound = std::move(k);
  }

  size_t pk_;
  table::ColumnType type_;
  std::string key_name_;
  std::optional<std::vector<std::string>> equals_;
  std::optional<std::string> lower_, upper_;
  std::vector<std::string> texts_;
};

}  // namespace

Plan PlanScan(const catalog::TableDef& table, const Filter* filter) {
  if (filter == nullptr) return Plan{};
  if (filter->root->kind == Expr::Kind::kLiteral) {
    const Value& v = filter->root->literal;
    if (v.is_null() || (v.kind == Value::Kind::kBool && !v.b)) {
      Plan p;
      p.kind = Plan::Kind::kEmpty;
      return p;
    }
  }
  std::vector<const Expr*> conjuncts;
  Conjuncts(filter->root.get(), &conjuncts);
  KeyConstraints keys(table.schema);
  keys.set_key_name(table.schema.primary_key_column().name);
  for (const Expr* c : conjuncts) keys.Add(c);
  return keys.Finish();
}

std::vector<std::string> Plan::Explain(const catalog::TableDef& table, const Filter* filter) const {
  std::vector<std::string> steps;
  const std::string name = "table '" + table.name + "'";
  const std::string& pk = table.schema.primary_key_column().name;
  switch (kind) {
    case Kind::kFullScan: steps.push_back("scan every row of " + name + " in " + pk + " order"); break;
    case Kind::kKeyRange: steps.push_back("scan the " + pk + " range " + range_text + " of " + name); break;
    case Kind::kKeys:
      steps.push_back("look up " + std::to_string(keys.size()) + " " + pk + (keys.size() == 1 ? " value" : " values") +
                      " in " + name);
      break;
    case Kind::kEmpty: steps.push_back("no row can match: read nothing"); break;
  }
  if (filter != nullptr && kind != Kind::kEmpty) steps.push_back("filter rows by " + filter->text + " (in C++)");
  return steps;
}

}  // namespace embodb::query
