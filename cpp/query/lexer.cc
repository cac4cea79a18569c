#include "query/lexer.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace embodb::query {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

constexpr std::array<std::string_view, 11> kKeywords = {"AND",  "OR",   "NOT",  "IN",    "BETWEEN",  "IS",
                                                        "NULL", "LIKE", "TRUE", "FALSE", "TIMESTAMP"};

// Bytes of UTF-8 multi-byte characters (>= 0x80) belong to names, so that a
// column named in any script needs no quotes (the binder checks the name).
bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

std::string Upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

}  // namespace

std::string Token::Describe() const {
  switch (kind) {
    case TokenKind::kEnd: return "the end of the expression";
    case TokenKind::kIdentifier: return "column name '" + text + "'";
    case TokenKind::kString: return "string '" + text + "'";
    default: return "'" + text + "'";
  }
}

// Characters (not bytes) in text[0, bytes): UTF-8 continuation bytes do not count.
static size_t Columns(std::string_view text, size_t bytes) {
  size_t n = 0;
  for (size_t i = 0; i < bytes && i < text.size(); i++) n += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  return n;
}

Status FilterError(std::string_view text, size_t pos, size_t end, std::string_view message) {
  pos = std::min(pos, text.size());
  end = std::max(pos + 1, std::min(end, text.size()));
  const size_t from = Columns(text, pos), to = std::max(from + 1, Columns(text, end));
  std::string msg = "bad filter: " + std::string(message) + " at position " + std::to_string(from) + "\n  ";
  msg += text;
  msg += "\n  " + std::string(from, ' ') + std::string(to - from, '^');
  return Status::InvalidArgument(msg);
}

Result<std::vector<Token>> Tokenize(std::string_view text) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) i++;
    Token t;
    t.pos = i;
    if (i == text.size()) {
      t.end = i;
      out.push_back(std::move(t));
      return out;
    }
    const char c = text[i];
    if (IsIdentStart(c)) {
      size_t j = i;
      while (j < text.size() && IsIdentChar(text[j])) j++;
      const std::string word(text.substr(i, j - i));
      const std::string upper = Upper(word);
      if (std::find(kKeywords.begin(), kKeywords.end(), upper) != kKeywords.end()) {
        t.kind = TokenKind::kKeyword;
        t.text = upper;
      } else {
        t.kind = TokenKind::kIdentifier;
        t.text = word;
      }
      i = j;
    } else if (c == '"' || c == '\'') {
      t.kind = c == '"' ? TokenKind::kIdentifier : TokenKind::kString;
      size_t j = i + 1;
      while (true) {
        if (j >= text.size()) {
          return FilterError(text, i, text.size(), c == '"' ? "unterminated quoted name" : "unterminated string");
        }
        if (text[j] == c) {
          if (j + 1 < text.size() && text[j + 1] == c) {  // doubled quote: one quote
            t.text += c;
            j += 2;
            continue;
          }
          j++;
          break;
        }
        t.text += text[j++];
      }
      if (t.kind == TokenKind::kIdentifier && t.text.empty()) return FilterError(text, i, j, "empty quoted name");
      i = j;
    } else if (IsDigit(c) || (c == '.' && i + 1 < text.size() && IsDigit(text[i + 1]))) {
      size_t j = i;
      bool is_float = false;
      while (j < text.size() && IsDigit(text[j])) j++;
      if (j < text.size() && text[j] == '.') {
        is_float = true;
        j++;
        while (j < text.size() && IsDigit(text[j])) j++;
      }
      if (j < text.size() && (text[j] == 'e' || text[j] == 'E')) {
        size_t k = j + 1;
        if (k < text.size() && (text[k] == '+' || text[k] == '-')) k++;
        if (k < text.size() && IsDigit(text[k])) {
          is_float = true;
          j = k;
          while (j < text.size() && IsDigit(text[j])) j++;
        }
      }
      if (j < text.size() && IsIdentChar(text[j])) {
        size_t k = j;
        while (k < text.size() && IsIdentChar(text[k])) k++;
        return FilterError(text, i, k, "malformed number");
      }
      t.kind = is_float ? TokenKind::kFloat : TokenKind::kInteger;
      t.text = std::string(text.substr(i, j - i));
      i = j;
    } else {
      static constexpr std::array<std::string_view, 3> kTwo = {"!=", "<>", "<="};
      const std::string_view two = text.substr(i, 2);
      t.kind = TokenKind::kOperator;
      if (std::find(kTwo.begin(), kTwo.end(), two) != kTwo.end() || two == ">=" || two == "==") {
        t.text = two == "==" ? "=" : std::string(two);
        i += 2;
      } else if (std::string_view("=<>+-*/%(),.[]").find(c) != std::string_view::npos) {
        t.text = std::string(1, c);
        i += 1;
      } else {
        return FilterError(text, i, i + 1, "unexpected character '" + std::string(1, c) + "'");
      }
    }
    t.end = i;
    out.push_back(std::move(t));
  }
}

}  // namespace embodb::query
