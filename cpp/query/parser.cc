#include "query/parser.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "query/lexer.h"

namespace embodb::query {

namespace {

// Deeper nesting than this is refused instead of overflowing the stack, in
// the parser and in everything that recurses over the tree it makes (the
// binder, the evaluators). A chain of AND or of OR is one node, so any
// number of terms joined by them adds one level; a chain of arithmetic
// (a + b + c ...) adds a level per operator.
constexpr int kMaxDepth = 200;

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens) : text_(text), tokens_(std::move(tokens)) {}

  Result<ExprPtr> ParseAll() {
    ExprPtr e;
    EMBODB_ASSIGN_OR_RETURN(e, ParseOr());
    if (Peek().kind != TokenKind::kEnd) return Error(Peek(), "expected AND, OR or the end, found " + Peek().Describe());
    return e;
  }

 private:
  const Token& Peek(size_t ahead = 0) const { return tokens_[std::min(at_ + ahead, tokens_.size() - 1)]; }
  const Token& Take() { return tokens_[std::min(at_++, tokens_.size() - 1)]; }
  bool TakeKeyword(std::string_view k) {
    if (!Peek().IsKeyword(k)) return false;
    at_++;
    return true;
  }
  bool TakeOperator(std::string_view o) {
    if (!Peek().IsOperator(o)) return false;
    at_++;
    return true;
  }
  Status Error(const Token& t, const std::string& message) const {
    return FilterError(text_, t.pos, t.end, message);
  }

  static ExprPtr Node(Expr::Kind kind, size_t pos, size_t end) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    e->end = end;
    return e;
  }
  static ExprPtr Binary(Expr::Kind kind, Op op, ExprPtr a, ExprPtr b) {
    auto e = Node(kind, a->pos, b->end);
    e->op = op;
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    SetHeight(e.get());
    return e;
  }
  static void SetHeight(Expr* e) {
    uint32_t below = 0;
    for (const auto& a : e->args) below = std::max(below, a->height);
    e->height = below + 1;
  }
  // e, or an error when it is too tall.
  Result<ExprPtr> Bounded(ExprPtr e) const {
    if (e->height > static_cast<uint32_t>(kMaxDepth)) {
      return FilterError(text_, e->pos, e->end,
                         "expression nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
    }
    return e;
  }

  // Tracks the nesting depth of the recursive descent.
  struct DepthGuard {
    explicit DepthGuard(int* d) : depth(d) { ++*depth; }
    ~DepthGuard() { --*depth; }
    int* depth;
  };

  Result<ExprPtr> ParseOr() {
    DepthGuard guard(&depth_);
    if (depth_ > kMaxDepth) return Error(Peek(), "expression nested too deeply");
    return ParseChain("OR", Expr::Kind::kOr, &Parser::ParseAnd);
  }

  Result<ExprPtr> ParseAnd() { return ParseChain("AND", Expr::Kind::kAnd, &Parser::ParseNot); }

  // operand (keyword operand)*: one node with every operand (so that a
  // chain of thousands of terms is not thousands of levels deep).
  Result<ExprPtr> ParseChain(std::string_view keyword, Expr::Kind kind, Result<ExprPtr> (Parser::*operand)()) {
    ExprPtr first;
    EMBODB_ASSIGN_OR_RETURN(first, (this->*operand)());
    if (!Peek().IsKeyword(keyword)) return first;
    auto chain = Node(kind, first->pos, first->end);
    chain->args.push_back(std::move(first));
    while (TakeKeyword(keyword)) {
      ExprPtr next;
      EMBODB_ASSIGN_OR_RETURN(next, (this->*operand)());
      chain->end = next->end;
      chain->args.push_back(std::move(next));
    }
    SetHeight(chain.get());
    return Bounded(std::move(chain));
  }

  Result<ExprPtr> ParseNot() {
    DepthGuard guard(&depth_);
    if (depth_ > kMaxDepth) return Error(Peek(), "expression nested too deeply");
    const Token& t = Peek();
    if (TakeKeyword("NOT")) {
      ExprPtr inner;
      EMBODB_ASSIGN_OR_RETURN(inner, ParseNot());
      auto e = Node(Expr::Kind::kNot, t.pos, inner->end);
      e->args.push_back(std::move(inner));
      SetHeight(e.get());
      return e;
    }
    return ParsePredicate();
  }

  static Op CompareOp(const Token& t) {
    if (t.kind != TokenKind::kOperator) return Op::kNone;
    if (t.text == "=") return Op::kEq;
    if (t.text == "!=" || t.text == "<>") return Op::kNe;
    if (t.text == "<") return Op::kLt;
    if (t.text == "<=") return Op::kLe;
    if (t.text == ">") return Op::kGt;
    if (t.text == ">=") return Op::kGe;
    return Op::kNone;
  }

  Result<ExprPtr> ParsePredicate() {
    ExprPtr left;
    EMBODB_ASSIGN_OR_RETURN(left, ParseSum());
    const Op op = CompareOp(Peek());
    if (op != Op::kNone) {
      Take();
      ExprPtr right;
      EMBODB_ASSIGN_OR_RETURN(right, ParseSum());
      return Binary(Expr::Kind::kCompare, op, std::move(left), std::move(right));
    }
    if (TakeKeyword("IS")) {
      const bool negated = TakeKeyword("NOT");
      const Token& null_token = Peek();
      if (!TakeKeyword("NULL")) return Error(null_token, "expected NULL after IS, found " + null_token.Describe());
      auto e = Node(Expr::Kind::kIsNull, left->pos, null_token.end);
      e->negated = negated;
      e->args.push_back(std::move(left));
      SetHeight(e.get());
      return e;
    }
    bool negated = false;
    if (Peek().IsKeyword("NOT") &&
        (Peek(1).IsKeyword("IN") || Peek(1).IsKeyword("BETWEEN") || Peek(1).IsKeyword("LIKE"))) {
      Take();
      negated = true;
    }
    if (TakeKeyword("IN")) return ParseInList(std::move(left), negated);
    if (TakeKeyword("BETWEEN")) {
      ExprPtr lo, hi;
      EMBODB_ASSIGN_OR_RETURN(lo, ParseSum());
      const Token& and_token = Peek();
      if (!TakeKeyword("AND")) return Error(and_token, "expected AND in BETWEEN, found " + and_token.Describe());
      EMBODB_ASSIGN_OR_RETURN(hi, ParseSum());
      auto e = Node(Expr::Kind::kBetween, left->pos, hi->end);
      e->negated = negated;
      e->args.push_back(std::move(left));
      e->args.push_back(std::move(lo));
      e->args.push_back(std::move(hi));
      SetHeight(e.get());
      return e;
    }
    if (TakeKeyword("LIKE")) {
      ExprPtr pattern;
      EMBODB_ASSIGN_OR_RETURN(pattern, ParseSum());
      auto e = Binary(Expr::Kind::kLike, Op::kNone, std::move(left), std::move(pattern));
      e->negated = negated;
      return e;
    }
    return left;
  }

  Result<ExprPtr> ParseInList(ExprPtr left, bool negated) {
    const Token& open = Peek();
    if (!TakeOperator("(")) return Error(open, "expected ( after IN, found " + open.Describe());
    auto e = Node(Expr::Kind::kIn, left->pos, open.end);
    e->negated = negated;
    e->args.push_back(std::move(left));
    while (true) {
      ExprPtr item;
      EMBODB_ASSIGN_OR_RETURN(item, ParseOr());
      e->args.push_back(std::move(item));
      const Token& t = Take();
      if (t.IsOperator(")")) {
        e->end = t.end;
        SetHeight(e.get());
        return e;
      }
      if (!t.IsOperator(",")) return Error(t, "expected , or ) in the IN list, found " + t.Describe());
    }
  }

  Result<ExprPtr> ParseSum() {
    ExprPtr left;
    EMBODB_ASSIGN_OR_RETURN(left, ParseProduct());
    while (Peek().IsOperator("+") || Peek().IsOperator("-")) {
      const Op op = Take().text == "+" ? Op::kAdd : Op::kSub;
      ExprPtr right;
      EMBODB_ASSIGN_OR_RETURN(right, ParseProduct());
      EMBODB_ASSIGN_OR_RETURN(left, Bounded(Binary(Expr::Kind::kArith, op, std::move(left), std::move(right))));
    }
    return left;
  }

  Result<ExprPtr> ParseProduct() {
    ExprPtr left;
    EMBODB_ASSIGN_OR_RETURN(left, ParseUnary());
    while (Peek().IsOperator("*") || Peek().IsOperator("/") || Peek().IsOperator("%")) {
      const std::string& o = Take().text;
      const Op op = o == "*" ? Op::kMul : o == "/" ? Op::kDiv : Op::kMod;
      ExprPtr right;
      EMBODB_ASSIGN_OR_RETURN(right, ParseUnary());
      EMBODB_ASSIGN_OR_RETURN(left, Bounded(Binary(Expr::Kind::kArith, op, std::move(left), std::move(right))));
    }
    return left;
  }

  Result<ExprPtr> ParseUnary() {
    DepthGuard guard(&depth_);
    if (depth_ > kMaxDepth) return Error(Peek(), "expression nested too deeply");
    const Token& t = Peek();
    if (TakeOperator("+")) return ParseUnary();
    if (TakeOperator("-")) {
      // A negative number literal stays a literal (so that -9223372036854775808 fits).
      if (Peek().kind == TokenKind::kInteger || Peek().kind == TokenKind::kFloat) {
        const Token& number = Take();
        return NumberLiteral(number, true, t.pos);
      }
      ExprPtr inner;
      EMBODB_ASSIGN_OR_RETURN(inner, ParseUnary());
      auto e = Node(Expr::Kind::kNegate, t.pos, inner->end);
      e->args.push_back(std::move(inner));
      SetHeight(e.get());
      return e;
    }
    return ParsePrimary();
  }

  Result<ExprPtr> NumberLiteral(const Token& t, bool negative, size_t pos) {
    auto e = Node(Expr::Kind::kLiteral, pos, t.end);
    const std::string text = (negative ? "-" : "") + t.text;
    errno = 0;
    char* end = nullptr;
    if (t.kind == TokenKind::kInteger) {
      const long long v = std::strtoll(text.c_str(), &end, 10);
      if (errno == ERANGE) return Error(t, "integer literal out of the 64-bit range");
      e->literal = table::Value::Int(v);
    } else {
      const double v = std::strtod(text.c_str(), &end);
      if (errno == ERANGE && (v > 1 || v < -1)) return Error(t, "number literal out of range");
      e->literal = table::Value::Double(v);
    }
    return e;
  }

  // "col.x" (y, z) or "col[i]": a component of a point3 or vector column.
  Result<ExprPtr> ParseComponent(ExprPtr e) {
    if (Peek().kind != TokenKind::kOperator || (Peek().text != "." && Peek().text != "[")) return e;
    const Token& op = Take();
    if (op.text == ".") {
      const Token& name = Take();
      static constexpr std::string_view kAxes = "xyz";
      if (name.kind != TokenKind::kIdentifier || name.text.size() != 1 ||
          kAxes.find(name.text[0]) == std::string_view::npos) {
        return Error(name, "expected x, y or z after '" + e->column + ".', found " + name.Describe());
      }
      e->component = static_cast<int>(kAxes.find(name.text[0]));
      e->axis = true;
      e->end = name.end;
      return e;
    }
    const Token& index = Take();
    if (index.kind != TokenKind::kInteger || index.text.size() > 6) {
      return Error(index, "expected an index (0, 1, ...) after '" + e->column + "[', found " + index.Describe());
    }
    e->component = std::stoi(index.text);
    const Token& close = Take();
    if (close.kind != TokenKind::kOperator || close.text != "]") {
      return Error(close, "expected ']' after '" + e->column + "[" + index.text + "', found " + close.Describe());
    }
    e->end = close.end;
    return e;
  }

  Result<ExprPtr> ParsePrimary() {
    const Token& t = Take();
    switch (t.kind) {
      case TokenKind::kInteger:
      case TokenKind::kFloat: return NumberLiteral(t, false, t.pos);
      case TokenKind::kString: {
        auto e = Node(Expr::Kind::kLiteral, t.pos, t.end);
        e->literal = table::Value::String(t.text);
        return e;
      }
      case TokenKind::kIdentifier: {
        if (Peek().IsOperator("(")) return ParseSpatialCall(t);
        auto e = Node(Expr::Kind::kColumn, t.pos, t.end);
        e->column = t.text;
        return ParseComponent(std::move(e));
      }
      case TokenKind::kKeyword: {
        auto e = Node(Expr::Kind::kLiteral, t.pos, t.end);
        if (t.text == "TRUE" || t.text == "FALSE") {
          e->literal = table::Value::Bool(t.text == "TRUE");
          return e;
        }
        if (t.text == "NULL") return e;
        if (t.text == "TIMESTAMP") {
          const Token& s = Take();
          if (s.kind != TokenKind::kString) return Error(s, "expected a quoted time after TIMESTAMP, found " + s.Describe());
          e->literal = table::Value::String(s.text);
          e->timestamp_literal = true;
          e->end = s.end;
          return e;
        }
        break;
      }
      case TokenKind::kOperator:
        if (t.text == "(") {
          ExprPtr inner;
          EMBODB_ASSIGN_OR_RETURN(inner, ParseOr());
          const Token& close = Take();
          if (!close.IsOperator(")")) return Error(close, "expected ), found " + close.Describe());
          // The span takes the parentheses in: `a OR (b AND c)` ends after the ")".
          inner->pos = t.pos;
          inner->end = close.end;
          return inner;
        }
        break;
      case TokenKind::kEnd: return Error(t, "expected a value, found the end of the expression");
    }
    return Error(t, "expected a value or column, found " + t.Describe());
  }

  // within(col, [x, y, z], r), in_box(col, [x, y, z], [x, y, z]) or
  // distance(col, [x, y, z]), the name taken; the numbers are literals.
  Result<ExprPtr> ParseSpatialCall(const Token& name) {
    std::string fn = name.text;
    for (char& c : fn) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Expr::Kind kind;
    if (fn == "within") {
      kind = Expr::Kind::kWithin;
    } else if (fn == "in_box") {
      kind = Expr::Kind::kInBox;
    } else if (fn == "distance") {
      kind = Expr::Kind::kDistance;
    } else {
      return Error(name, "unknown function '" + name.text + "' (functions: within, in_box, distance)");
    }
    Take();  // (
    const Token& column = Take();
    if (column.kind != TokenKind::kIdentifier) {
      return Error(column, fn + "() takes a point3 column first, found " + column.Describe());
    }
    auto e = Node(kind, name.pos, name.end);
    auto col = Node(Expr::Kind::kColumn, column.pos, column.end);
    col->column = column.text;
    e->args.push_back(std::move(col));
    const int points = kind == Expr::Kind::kInBox ? 2 : 1;
    for (int p = 0; p < points; p++) {
      EMBODB_RETURN_IF_ERROR(ExpectOperator(",", fn));
      EMBODB_RETURN_IF_ERROR(ParsePointLiteral(fn, &e->numbers));
    }
    if (kind == Expr::Kind::kWithin) {
      EMBODB_RETURN_IF_ERROR(ExpectOperator(",", fn));
      double radius;
      EMBODB_RETURN_IF_ERROR(ParseNumber(fn + "()'s radius", &radius));
      e->numbers.push_back(radius);
    }
    const Token& close = Peek();
    EMBODB_RETURN_IF_ERROR(ExpectOperator(")", fn));
    e->end = close.end;
    SetHeight(e.get());
    return e;
  }

  Status ExpectOperator(std::string_view op, const std::string& fn) {
    const Token& t = Peek();
    if (TakeOperator(op)) return Status::OK();
    return Error(t, "expected '" + std::string(op) + "' in " + fn + "(), found " + t.Describe());
  }

  // [x, y, z] of three number literals, appended to out.
  Status ParsePointLiteral(const std::string& fn, std::vector<double>* out) {
    EMBODB_RETURN_IF_ERROR(ExpectOperator("[", fn));
    for (int axis = 0; axis < 3; axis++) {
      if (axis > 0) EMBODB_RETURN_IF_ERROR(ExpectOperator(",", fn));
      double v;
      EMBODB_RETURN_IF_ERROR(ParseNumber(std::string("the ") + "xyz"[axis] + " of a point in " + fn + "()", &v));
      out->push_back(v);
    }
    return ExpectOperator("]", fn);
  }

  // A number literal, with an optional sign; finite.
  Status ParseNumber(const std::string& what, double* out) {
    const Token& start = Peek();
    const bool negative = TakeOperator("-");
    if (!negative) TakeOperator("+");
    const Token& t = Take();
    if (t.kind != TokenKind::kInteger && t.kind != TokenKind::kFloat) {
      return Error(t, "expected a number for " + what + ", found " + t.Describe());
    }
    *out = std::strtod(((negative ? "-" : "") + t.text).c_str(), nullptr);
    if (!std::isfinite(*out)) return FilterError(text_, start.pos, t.end, what + " is out of range");
    return Status::OK();
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t at_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<ExprPtr> ParseExpression(std::string_view text) {
  std::vector<Token> tokens;
  EMBODB_ASSIGN_OR_RETURN(tokens, Tokenize(text));
  if (tokens.size() == 1) return FilterError(text, 0, 0, "empty expression");
  Parser parser(text, std::move(tokens));
  return parser.ParseAll();
}

}  // namespace embodb::query
