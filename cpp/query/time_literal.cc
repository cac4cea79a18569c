#include "query/time_literal.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace embodb::query {

namespace {

// Reads exactly n digits.
bool Digits(std::string_view* s, int n, int64_t* out) {
  if (s->size() < static_cast<size_t>(n)) return false;
  int64_t v = 0;
  for (int i = 0; i < n; i++) {
    const char c = (*s)[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  s->remove_prefix(n);
  *out = v;
  return true;
}

bool Take(std::string_view* s, char c) {
  if (s->empty() || s->front() != c) return false;
  s->remove_prefix(1);
  return true;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar: count
// whole 400-year eras (146097 days each) from 0000-03-01, then the day within
// the era, with years starting in March so that leap days fall at the end.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t month_from_march = m > 2 ? m - 3 : m + 9;
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

}  // namespace

bool ParseIsoTimestamp(std::string_view s, int64_t* ns) {
  int64_t year, month, day, hour = 0, minute = 0, second = 0, fraction_ns = 0;
  if (!Digits(&s, 4, &year) || !Take(&s, '-') || !Digits(&s, 2, &month) || !Take(&s, '-') ||
      !Digits(&s, 2, &day)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return false;
  if (!s.empty() && (s.front() == 'T' || s.front() == 't' || s.front() == ' ')) {
    s.remove_prefix(1);
    if (!Digits(&s, 2, &hour) || !Take(&s, ':') || !Digits(&s, 2, &minute)) return false;
    if (Take(&s, ':')) {
      if (!Digits(&s, 2, &second)) return false;
      if (Take(&s, '.') || Take(&s, ',')) {
        int n = 0;
        while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
          if (n < 9) fraction_ns = fraction_ns * 10 + (s.front() - '0');
          n++;
          s.remove_prefix(1);
        }
        if (n == 0) return false;
        for (int i = n; i < 9; i++) fraction_ns *= 10;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return false;
  }
  int64_t offset_minutes = 0;
  if (Take(&s, 'Z') || Take(&s, 'z')) {
  } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    const int sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
    int64_t oh, om = 0;
    if (!Digits(&s, 2, &oh)) return false;
    if (Take(&s, ':')) {
      if (!Digits(&s, 2, &om)) return false;
    } else if (!s.empty()) {
      if (!Digits(&s, 2, &om)) return false;
    }
    if (oh > 23 || om > 59) return false;
    offset_minutes = sign * (oh * 60 + om);
  }
  if (!s.empty()) return false;
  const int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                          offset_minutes * 60;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 1000000000 - 1;
  if (seconds > kMax || seconds < -kMax) return false;
  *ns = seconds * 1000000000 + fraction_ns;
  return true;
}

bool ParseDuration(std::string_view s, int64_t* ns) {
  size_t digits = 0;
  while (digits < s.size() && (std::isdigit(static_cast<unsigned char>(s[digits])) || s[digits] == '.')) digits++;
  if (digits == 0 || digits > 30) return false;
  const std::string number(s.substr(0, digits));
  const std::string_view unit = s.substr(digits);
  struct Unit {
    std::string_view name;
    double ns;
  };
  static constexpr Unit kUnits[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"min", 60e9}, {"m", 60e9},
                                    {"h", 3600e9}, {"d", 86400e9}};
  for (const Unit& u : kUnits) {
    if (unit != u.name) continue;
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return false;
    const double total = std::round(value * u.ns);
    if (!(total >= 1 && total < 9.2e18)) return false;
    *ns = static_cast<int64_t>(total);
    return true;
  }
  return false;
}

}  // namespace embodb::query
