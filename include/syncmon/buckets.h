#pragma once
// Histogram bucket layouts: the finite upper bounds of one family, +Inf implied.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace syncmon {

class BucketLayout {
 public:
  // Why a list of bounds cannot be a layout (empty, unsorted, duplicate, not finite), or nothing.
  static std::optional<std::string> check(std::span<const double> upper_bounds);

  // Precondition: check(upper_bounds) found nothing.
  explicit BucketLayout(std::vector<double> upper_bounds);

  // The finite bounds, ascending; the +Inf bucket is index upper_bounds().size().
  std::span<const double> upper_bounds() const { return upper_bounds_; }
  // Finite buckets plus the +Inf bucket.
  std::size_t bucket_count() const { return upper_bounds_.size() + 1; }
  // The bucket an observation falls in: the first bound >= value (Prometheus `le`).
  std::size_t bucket_of(double value) const;
  // "0.005 0.01 ... +Inf", for error messages that name the expected bounds.
  std::string describe() const;

 private:
  std::vector<double> upper_bounds_;
};

std::vector<double> default_provider_response_time_bounds();
std::vector<double> default_connection_operation_time_bounds();

}  // namespace syncmon
