#pragma once
// Prometheus-style durations: "1h30m", "10s", "250ms", or a plain number of seconds.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace syncmon {

using Duration = std::chrono::milliseconds;

std::optional<Duration> parse_duration(std::string_view text);
std::string format_duration(Duration duration);

}  // namespace syncmon
