#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "syncmon/buckets.h"

namespace syncmon {
namespace {

TEST_CASE("bucket layouts must be finite and strictly increasing") {
  CHECK_FALSE(BucketLayout::check(default_provider_response_time_bounds()).has_value());
  CHECK_FALSE(BucketLayout::check(default_connection_operation_time_bounds()).has_value());
  const std::vector<double> empty;
  CHECK(BucketLayout::check(empty).has_value());
  const std::vector<double> unsorted = {0.1, 0.05};
  CHECK(BucketLayout::check(unsorted)->find("strictly increasing") != std::string::npos);
  const std::vector<double> repeated = {0.1, 0.1};
  CHECK(BucketLayout::check(repeated).has_value());
  const std::vector<double> infinite = {0.1, std::numeric_limits<double>::infinity()};
  CHECK(BucketLayout::check(infinite)->find("+Inf is implied") != std::string::npos);
  const std::vector<double> nan = {std::nan("")};
  CHECK(BucketLayout::check(nan).has_value());
}

TEST_CASE("observations fall in the first bucket whose bound is >= the value") {
  const BucketLayout layout({0.1, 0.5, 1});
  CHECK(layout.bucket_count() == 4);
  CHECK(layout.bucket_of(0) == 0);
  CHECK(layout.bucket_of(0.1) == 0);  // le is inclusive
  CHECK(layout.bucket_of(0.10001) == 1);
  CHECK(layout.bucket_of(1) == 2);
  CHECK(layout.bucket_of(7) == 3);  // +Inf
  CHECK(layout.describe() == "0.1 0.5 1 +Inf");
}

}  // namespace
}  // namespace syncmon
