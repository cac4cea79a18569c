// Lexer for filter expressions (cpp/query/parser.h has the grammar).
// Keywords are case-insensitive; identifiers are case-sensitive column names,
// bare ([A-Za-z_][A-Za-z0-9_]*) or double-quoted ("a column", "" escapes ").
// String literals use single quotes ('' escapes '). Every token keeps its
// byte offset so that errors can point at it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace embodb::query {

enum class TokenKind : uint8_t {
  kEnd,
  kIdentifier,  // text: the column name (unquoted)
  kKeyword,     // text: upper-cased (AND, OR, NOT, IN, BETWEEN, IS, NULL, LIKE, TRUE, FALSE, TIMESTAMP)
  kInteger,     // text: the digits
  kFloat,       // text: the literal
  kString,      // text: the unquoted contents
  kOperator,    // = != <> < <= > >= + - * / % ( ) , . [ ]
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  size_t pos = 0;  // byte offset in the expression
  size_t end = 0;  // one past the last byte

  bool Is(TokenKind k, std::string_view t) const { return kind == k && text == t; }
  bool IsKeyword(std::string_view t) const { return Is(TokenKind::kKeyword, t); }
  bool IsOperator(std::string_view t) const { return Is(TokenKind::kOperator, t); }
  // For messages: "'>='", "end of expression", "column name 'x'".
  std::string Describe() const;
};

// The tokens of text, ending with a kEnd token; InvalidArgument (pointing at
// the offending character) for an unterminated string, a stray character...
Result<std::vector<Token>> Tokenize(std::string_view text);

// "bad filter: <message> at position N\n  <text>\n  <caret under the span>".
Status FilterError(std::string_view text, size_t pos, size_t end, std::string_view message);

}  // namespace embodb::query
