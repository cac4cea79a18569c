// ISO 8601 times in filter literals: "2026-11-01", "2026-11-01T10:00",
// "2026-11-01 10:00:00.123456789", with an optional "Z" or "+02:00" / "-0530"
// offset. A time without an offset is UTC, as everywhere in embodb.
#pragma once

#include <cstdint>
#include <string_view>

namespace embodb::query {

// Nanoseconds since the Unix epoch; false when s is not such a time (or out of
// the int64 nanosecond range, years 1678..2261).
bool ParseIsoTimestamp(std::string_view s, int64_t* ns);

// A duration such as "100ms", "1s", "2.5s", "5min", "1h", "1d" (units ns,
// us, ms, s, min or m, h, d) in nanoseconds; false unless it is one, is
// positive and fits in int64.
bool ParseDuration(std::string_view s, int64_t* ns);

}  // namespace embodb::query
