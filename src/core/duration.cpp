#include "syncmon/duration.h"

#include <charconv>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace syncmon {
namespace {

// Milliseconds per unit, longest suffix first so that "ms" is not read as "m".
struct Unit {
  std::string_view suffix;
  std::int64_t ms;
};
constexpr Unit kUnits[] = {{"ms", 1},         {"s", 1000},          {"m", 60'000},
                           {"h", 3'600'000}, {"d", 86'400'000},    {"w", 604'800'000},
                           {"y", 31'536'000'000}};

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  // A plain number means seconds, fractions allowed ("1.5").
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec == std::errc() && end == text.data() + text.size()) {
    if (!(seconds >= 0) || seconds > 1e12) {
      return std::nullopt;
    }
    return Duration(static_cast<std::int64_t>(seconds * 1000.0 + 0.5));
  }
  // Otherwise Prometheus' form: one or more <integer><unit>, units in decreasing size.
  std::int64_t total = 0;
  std::int64_t last_unit = std::numeric_limits<std::int64_t>::max();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t amount = 0;
    auto [num_end, num_ec] = std::from_chars(text.data() + pos, text.data() + text.size(), amount);
    if (num_ec != std::errc() || amount < 0) {
      return std::nullopt;
    }
    pos = static_cast<std::size_t>(num_end - text.data());
    const Unit* unit = nullptr;
    for (const auto& candidate : kUnits) {
      if (text.substr(pos).starts_with(candidate.suffix)) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr || unit->ms >= last_unit) {
      return std::nullopt;
    }
    if (amount > std::numeric_limits<std::int64_t>::max() / unit->ms / 2) {
      return std::nullopt;
    }
    total += amount * unit->ms;
    last_unit = unit->ms;
    pos += unit->suffix.size();
  }
  return Duration(total);
}

std::string format_duration(Duration duration) {
  std::int64_t ms = duration.count();
  if (ms == 0) {
    return "0s";
  }
  std::string out;
  for (const auto* unit : {&kUnits[4], &kUnits[3], &kUnits[2], &kUnits[1], &kUnits[0]}) {
    if (ms >= unit->ms) {
      out += fmt::format("{}{}", ms / unit->ms, unit->suffix);
      ms %= unit->ms;
    }
  }
  return out;
}

}  // namespace syncmon
