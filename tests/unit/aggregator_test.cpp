#include <doctest/doctest.h>

#include "syncmon/aggregator.h"
#include "test_support.h"

namespace syncmon {
namespace {

using testing::find_series;
using testing::push_ok;

TEST_CASE("counters add up across pushes") {
  Aggregator aggregator(testing::default_aggregator_config());
  const char* body = R"({"providers": [{"provider": "vtex", "connection": "c1", "request_total": 10,
                          "request_success": 7, "request_error_400": 2, "request_error_500": 1}]})";
  push_ok(aggregator, body);
  push_ok(aggregator, body);
  CHECK(find_series(aggregator, Family::kProviderRequestTotal, "vtex", "c1")->value() == 20);
  CHECK(find_series(aggregator, Family::kProviderRequestSuccess, "vtex", "c1")->value() == 14);
  CHECK(find_series(aggregator, Family::kProviderRequestError400, "vtex", "c1")->value() == 4);
  CHECK(find_series(aggregator, Family::kProviderRequestError500, "vtex", "c1")->value() == 2);
  // Same provider without a connection is a different series.
  CHECK(find_series(aggregator, Family::kProviderRequestTotal, "vtex", "") == nullptr);
  CHECK(aggregator.series_count() == 4);
}

TEST_CASE("histograms merge bucket by bucket, raw and pre-aggregated alike") {
  Aggregator aggregator(testing::default_aggregator_config());
  push_ok(aggregator, R"({"connections": [{"connection": "c", "resource": "product",
                          "resource_get_time": [0.005, 0.07, 0.07, 4000]}]})");
  push_ok(aggregator, R"({"connections": [{"connection": "c", "resource": "product",
      "resource_get_time": {"count": 2, "sum": 0.5, "buckets": {"0.01": 1, "0.05": 1, "0.1": 2,
        "0.25": 2, "0.5": 2, "1": 2, "2.5": 2, "5": 2, "10": 2, "30": 2, "60": 2, "300": 2,
        "900": 2, "3600": 2, "+Inf": 2}}}]})");
  const Series* series = find_series(aggregator, Family::kConnectionGetTime, "c", "product");
  REQUIRE(series != nullptr);
  CHECK(series->bucket(0) == 2);   // 0.005 and one pre-aggregated <= 0.01
  CHECK(series->bucket(1) == 0);
  CHECK(series->bucket(2) == 3);   // two 0.07 and one pre-aggregated in (0.05, 0.1]
  CHECK(series->bucket(14) == 1);  // 4000 s lands in +Inf
  CHECK(series->sum() == doctest::Approx(0.005 + 0.14 + 4000 + 0.5));
}

TEST_CASE("job families record pushes and keep the newest push time") {
  Aggregator aggregator(testing::default_aggregator_config());
  push_ok(aggregator, R"({"job": "sync"})", 5'000);
  push_ok(aggregator, R"({"job": "sync"})", 3'000);  // a late-arriving older push does not go back
  CHECK(find_series(aggregator, Family::kJobPushesTotal, "sync", "", false)->value() == 2);
  CHECK(find_series(aggregator, Family::kJobLastPushTimestamp, "sync", "", false)->value() == 5'000);
}

TEST_CASE("a push that would exceed max_series is rejected whole with 429 naming the family") {
  Aggregator aggregator(testing::default_aggregator_config(/*max_series=*/6));
  push_ok(aggregator, R"({"providers": [{"provider": "a", "request_total": 1}]})");
  REQUIRE(aggregator.series_count() == 4);

  auto batch = testing::parse(aggregator, R"({"providers": [{"provider": "a", "request_total": 5},
                                                             {"provider": "b", "request_total": 1}]})");
  REQUIRE(batch.has_value());
  auto error = aggregator.apply(*batch);
  REQUIRE(error.has_value());
  CHECK(error->status == 429);
  CHECK(error->path == "syncmon_provider_request_total");
  CHECK(error->message.find("limits.max_series") != std::string::npos);
  // Nothing applied: the existing series did not move and no series was created.
  CHECK(find_series(aggregator, Family::kProviderRequestTotal, "a", "")->value() == 1);
  CHECK(aggregator.series_count() == 4);

  // Pushes into existing series still work at the limit.
  push_ok(aggregator, R"({"providers": [{"provider": "a", "request_total": 2}]})");
  CHECK(find_series(aggregator, Family::kProviderRequestTotal, "a", "")->value() == 3);
}

TEST_CASE("the same series twice in one batch is created once and added twice") {
  Aggregator aggregator(testing::default_aggregator_config(/*max_series=*/4));
  push_ok(aggregator, R"({"providers": [{"provider": "a", "request_total": 1}, {"provider": "a", "request_total": 2}]})");
  CHECK(aggregator.series_count() == 4);
  CHECK(find_series(aggregator, Family::kProviderRequestTotal, "a", "")->value() == 3);
}

TEST_CASE("the index keeps finding every series while its shards grow") {
  Aggregator aggregator(testing::default_aggregator_config());
  for (int i = 0; i < 3000; ++i) {
    push_ok(aggregator, R"({"connections": [{"connection": "c)" + std::to_string(i) +
                            R"(", "resource": "r", "resource_delete_time": [1]}]})");
  }
  CHECK(aggregator.series_count() == 3000);
  for (int i = 0; i < 3000; i += 7) {
    const Series* series = find_series(aggregator, Family::kConnectionDeleteTime, "c" + std::to_string(i), "r");
    REQUIRE(series != nullptr);
    CHECK(series->bucket(5) == 1);
  }
  std::size_t visited = 0;
  aggregator.index().for_each([&visited](const Series&) { ++visited; });
  CHECK(visited == 3000);
}

}  // namespace
}  // namespace syncmon
