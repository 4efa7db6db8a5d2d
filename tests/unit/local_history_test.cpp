#include <doctest/doctest.h>

#include "syncmon/entity_summary.h"
#include "syncmon/local_history.h"
#include "test_support.h"

namespace syncmon {
namespace {

constexpr std::int64_t kSecond = 1000;

TEST_CASE("bucket_quantile interpolates like Prometheus' histogram_quantile") {
  const std::vector<double> bounds = {0.1, 0.5, 1};
  CHECK_FALSE(bucket_quantile(0.5, bounds, {0, 0, 0, 0}));
  // 10 observations in (0, 0.1]: the median is halfway into the first bucket.
  CHECK(*bucket_quantile(0.5, bounds, {10, 0, 0, 0}) == doctest::Approx(0.05));
  // 5 in (0.1, 0.5], 5 in (0.5, 1]: p95 is 90 % into the third bucket.
  CHECK(*bucket_quantile(0.95, bounds, {0, 5, 5, 0}) == doctest::Approx(0.95));
  // In +Inf: the highest finite bound.
  CHECK(*bucket_quantile(0.99, bounds, {0, 0, 0, 3}) == doctest::Approx(1.0));
}

TEST_CASE("the history records changes per step, per provider and per connection") {
  Aggregator aggregator(testing::default_aggregator_config());
  LocalHistory history(std::chrono::hours(1), 1 << 20);
  testing::push_ok(aggregator, R"({"providers":[{"provider":"vtex","request_total":5}]})");
  history.sample(aggregator.index(), 100 * kSecond);  // baseline: the 5 happened before
  CHECK(history.covered_since_ms() == 100 * kSecond);
  CHECK_FALSE(history.last_change_ms(EntityKind::kProvider, "vtex"));

  testing::push_ok(aggregator, R"({"providers":[{"provider":"vtex","connection":"c1","request_total":3,
                                   "request_response_time":[0.2, 0.2]}]})");
  history.sample(aggregator.index(), 110 * kSecond);
  testing::push_ok(aggregator, R"({"providers":[{"provider":"vtex","request_total":4}]})");
  history.sample(aggregator.index(), 125 * kSecond);
  history.sample(aggregator.index(), 130 * kSecond);  // nothing changed: nothing stored

  CHECK(*history.last_change_ms(EntityKind::kProvider, "vtex") == 125 * kSecond);
  CHECK(*history.last_change_ms(EntityKind::kConnection, "c1") == 110 * kSecond);

  // Steps end at 110, 120, 130: (100,110] holds 3, (110,120] nothing, (120,130] 4.
  const auto steps = history.steps(Family::kProviderRequestTotal, EntityKind::kProvider, "vtex", "", 110 * kSecond,
                                   130 * kSecond, 10 * kSecond);
  REQUIRE(steps.size() == 3);
  CHECK(steps[0].count() == 3);
  CHECK(steps[1].count() == 0);
  CHECK(steps[2].count() == 4);
  CHECK(history.total(Family::kProviderRequestTotal, EntityKind::kConnection, "c1", 0, 200 * kSecond).count() == 3);
  const auto times = history.total(Family::kProviderResponseTime, EntityKind::kProvider, "vtex", 0, 200 * kSecond);
  CHECK(times.count() == 2);
  CHECK(times.sum == doctest::Approx(0.4));
}

TEST_CASE("retention and the byte budget move the covered horizon forward") {
  Aggregator aggregator(testing::default_aggregator_config());
  LocalHistory history(std::chrono::seconds(60), 1 << 20);
  history.sample(aggregator.index(), 0);
  for (int i = 1; i <= 10; ++i) {
    testing::push_ok(aggregator, R"({"providers":[{"provider":"vtex","request_total":1}]})");
    history.sample(aggregator.index(), i * 10 * kSecond);
  }
  CHECK(history.covered_since_ms() == 40 * kSecond);
  CHECK(history.total(Family::kProviderRequestTotal, EntityKind::kProvider, "vtex", 0, 1000 * kSecond).count() == 6);

  LocalHistory small(std::chrono::hours(1), 1000);  // the running sums and a few records
  Aggregator other(testing::default_aggregator_config());
  small.sample(other.index(), 0);
  for (int i = 1; i <= 10; ++i) {
    testing::push_ok(other, R"({"providers":[{"provider":"vtex","request_total":1}]})");
    small.sample(other.index(), i * 10 * kSecond);
  }
  CHECK(small.bytes() <= 1000);
  CHECK(small.covered_since_ms() > 0);
  CHECK(small.untracked() == 0);
  CHECK(small.total(Family::kProviderRequestTotal, EntityKind::kProvider, "vtex", small.covered_since_ms(),
                    1000 * kSecond)
            .count() >= 1);

  // A second entity's running sum no longer fits: it is left out, the first one kept.
  testing::push_ok(other, R"({"providers":[{"provider":"another-provider","request_total":1}]})");
  small.sample(other.index(), 110 * kSecond);
  CHECK(small.untracked() > 0);
  CHECK_FALSE(small.last_change_ms(EntityKind::kProvider, "another-provider"));
  CHECK(small.bytes() <= 1000);
}

TEST_CASE("health: unknown, stale, down, degraded, ok") {
  Aggregator aggregator(testing::default_aggregator_config());
  LocalHistory history(std::chrono::hours(1), 1 << 20);
  const Config::Health thresholds;  // 5 % degraded, 50 % down, providers stale after 1h
  const auto bounds = aggregator.layout_of(Family::kProviderResponseTime).upper_bounds();
  const auto health = [&](std::string id, std::int64_t now, std::optional<Duration> interval = std::nullopt) {
    return summarize(EntityKind::kProvider, id, history, now, 3600 * kSecond, bounds, thresholds, interval).health;
  };
  history.sample(aggregator.index(), 0);
  CHECK(health("vtex", kSecond) == Health::kUnknown);
  testing::push_ok(aggregator, R"({"providers":[
      {"provider":"ok","request_total":100,"request_success":99},
      {"provider":"degraded","request_total":100,"request_success":90,"request_error_500":10},
      {"provider":"down","request_total":10,"request_success":2,"request_error_400":8},
      {"provider":"quiet","request_total":0}]})");
  history.sample(aggregator.index(), 10 * kSecond);
  CHECK(health("ok", 20 * kSecond) == Health::kOk);
  CHECK(health("degraded", 20 * kSecond) == Health::kDegraded);
  CHECK(health("down", 20 * kSecond) == Health::kDown);
  CHECK(health("ok", 10 * kSecond + 3601 * kSecond) == Health::kStale);
  CHECK(health("ok", 10 * kSecond + 120 * kSecond, std::chrono::minutes(1)) == Health::kStale);

  const auto summary = summarize(EntityKind::kProvider, "degraded", history, 20 * kSecond, 3600 * kSecond, bounds,
                                 thresholds, std::nullopt);
  CHECK(summary.requests == 100);
  CHECK(*summary.success_ratio() == doctest::Approx(0.9));
  CHECK(summary.errors_5xx == 10);
  CHECK(*summary.last_push_ms == 10 * kSecond);
}

}  // namespace
}  // namespace syncmon
