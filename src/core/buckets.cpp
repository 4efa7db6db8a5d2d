#include "syncmon/buckets.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace syncmon {

std::optional<std::string> BucketLayout::check(std::span<const double> upper_bounds) {
  if (upper_bounds.empty()) {
    return "must list at least one upper bound";
  }
  for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i])) {
      return fmt::format("bound {} is not a finite number (+Inf is implied)", i);
    }
    if (i > 0 && upper_bounds[i] <= upper_bounds[i - 1]) {
      return fmt::format("bounds must be strictly increasing ({} follows {})", upper_bounds[i],
                         upper_bounds[i - 1]);
    }
  }
  return std::nullopt;
}

BucketLayout::BucketLayout(std::vector<double> upper_bounds) : upper_bounds_(std::move(upper_bounds)) {}

std::size_t BucketLayout::bucket_of(double value) const {
  return static_cast<std::size_t>(std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) -
                                  upper_bounds_.begin());
}

std::string BucketLayout::describe() const {
  return fmt::format("{} +Inf", fmt::join(upper_bounds_, " "));
}

std::vector<double> default_provider_response_time_bounds() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

std::vector<double> default_connection_operation_time_bounds() {
  return {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
}

}  // namespace syncmon
