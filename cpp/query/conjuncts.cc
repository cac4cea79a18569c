#include "query/conjuncts.h"

#include <cstring>

#include "util/coding.h"

namespace embodb::query {

void SplitConjuncts(const Expr& e, std::vector<const Expr*>* out) {
  if (e.kind != Expr::Kind::kAnd) {
    out->push_back(&e);
    return;
  }
  for (const auto& a : e.args) SplitConjuncts(*a, out);
}

namespace {

void AppendKey(const Expr& e, std::string* key) {
  key->push_back(static_cast<char>(e.kind));
  key->push_back(static_cast<char>(e.op));
  key->push_back(static_cast<char>((e.negated ? 1 : 0) | (e.timestamp_literal ? 2 : 0)));
  key->push_back(static_cast<char>(e.type));
  switch (e.kind) {
    case Expr::Kind::kLiteral: e.literal.EncodeTo(key); break;
    case Expr::Kind::kColumn:
      PutVarint64(key, static_cast<uint64_t>(static_cast<int64_t>(e.column_index) + 1));
      PutVarint64(key, static_cast<uint64_t>(static_cast<int64_t>(e.component) + 1));
      if (e.column_index < 0) PutLengthPrefixed(key, e.column);  // not bound: by name
      break;
    default: break;
  }
  PutVarint64(key, e.numbers.size());
  for (double v : e.numbers) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    PutFixed64(key, bits);
  }
  PutVarint64(key, e.args.size());
  for (const auto& a : e.args) AppendKey(*a, key);
}

}  // namespace

std::string ExprKey(const Expr& e) {
  std::string key;
  AppendKey(e, &key);
  return key;
}

}  // namespace embodb::query
