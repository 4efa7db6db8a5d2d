#include "syncmon/time_format.h"

#include <cmath>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace syncmon {

std::string rfc3339(double unix_seconds, int fraction_digits) {
  const double whole = std::floor(unix_seconds);
  const auto seconds = static_cast<std::time_t>(whole);
  std::string out = fmt::format("{:%Y-%m-%dT%H:%M:%S}", fmt::gmtime(seconds));
  if (fraction_digits > 0) {
    const double scale = std::pow(10.0, fraction_digits);
    auto fraction = static_cast<long long>(std::llround((unix_seconds - whole) * scale));
    fraction = std::min(fraction, static_cast<long long>(scale) - 1);
    out += fmt::format(".{:0{}}", fraction, fraction_digits);
  }
  out += 'Z';
  return out;
}

}  // namespace syncmon
