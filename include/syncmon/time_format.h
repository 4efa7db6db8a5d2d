#pragma once
// RFC 3339 timestamps in UTC, as the status and Pushgateway APIs write them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace syncmon {

// "2026-12-04T16:36:37.284825712Z": `fraction_digits` (0..9) digits after the second.
std::string rfc3339(double unix_seconds, int fraction_digits);
// "2026-12-04T10:00:00Z", "2026-12-04T10:00:00.5+01:00": unix seconds, or nothing.
std::optional<double> parse_rfc3339(std::string_view text);

inline std::string rfc3339_from_unix_ms(std::int64_t unix_ms) {
  return rfc3339(static_cast<double>(unix_ms) / 1000.0, 3);
}

}  // namespace syncmon
