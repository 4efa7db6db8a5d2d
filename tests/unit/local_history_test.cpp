#include <doctest/doctest.h>

#include "syncmon/entity_summary.h"
#include "syncmon/local_history.h"
#include "test_support.h"

namespace syncmon {
namespace {

constexpr std::int64_t kSecond = 1000;

// A push as the daemon applies it: parsed against the default buckets, received at `at_ms`.
void push(LocalHistory& history, std::string_view body, std::int64_t at_ms) {
  Aggregator aggregator(testing::default_aggregator_config());
  auto batch = testing::parse(aggregator, body);
  REQUIRE(batch);
  batch->received_at_unix_ms = at_ms;
  history.add(*batch);
}

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

TEST_CASE("the history records each interval's pushes per provider, per connection and per resource") {
  LocalHistory history(std::chrono::hours(1), 1 << 20, 100 * kSecond);
  CHECK(history.covered_since_ms() == 100 * kSecond);
  CHECK_FALSE(history.last_change_ms(EntityKind::kProvider, "vtex"));

  push(history, R"({"providers":[{"provider":"vtex","connection":"c1","request_total":3,
                   "request_response_time":[0.2, 0.2]}]})", 105 * kSecond);
  history.sample(110 * kSecond);
  push(history, R"({"providers":[{"provider":"vtex","request_total":4}],
                   "connections":[{"connection":"c1","resource":"product","resource_get_time":[1]},
                                  {"connection":"c1","resource":"price","resource_get_time":[2]}]})", 121 * kSecond);
  history.sample(125 * kSecond);
  history.sample(130 * kSecond);  // nothing happened: nothing stored

  CHECK(*history.last_change_ms(EntityKind::kProvider, "vtex") == 121 * kSecond);
  CHECK(*history.last_change_ms(EntityKind::kConnection, "c1") == 121 * kSecond);

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
  // Resources apart, or together.
  CHECK(history.steps(Family::kConnectionGetTime, EntityKind::kConnection, "c1", "price", 130 * kSecond,
                      130 * kSecond, 30 * kSecond)[0].sum == doctest::Approx(2));
  CHECK(history.steps(Family::kConnectionGetTime, EntityKind::kConnection, "c1", "", 130 * kSecond, 130 * kSecond,
                      30 * kSecond)[0].sum == doctest::Approx(3));
}

TEST_CASE("a push that observes nothing still counts as the entity's last push") {
  LocalHistory history(std::chrono::hours(1), 1 << 20, 0);
  push(history, R"({"providers":[{"provider":"quiet","request_total":0}]})", 5 * kSecond);
  history.sample(10 * kSecond);
  CHECK(*history.last_change_ms(EntityKind::kProvider, "quiet") == 5 * kSecond);
  CHECK(history.total(Family::kProviderRequestTotal, EntityKind::kProvider, "quiet", 0, 20 * kSecond).count() == 0);
}

TEST_CASE("retention and the byte budget move the covered horizon forward") {
  LocalHistory history(std::chrono::seconds(60), 1 << 20, 0);
  for (int i = 1; i <= 10; ++i) {
    push(history, R"({"providers":[{"provider":"vtex","request_total":1}]})", i * 10 * kSecond - 1);
    history.sample(i * 10 * kSecond);
  }
  CHECK(history.covered_since_ms() == 40 * kSecond);
  CHECK(history.total(Family::kProviderRequestTotal, EntityKind::kProvider, "vtex", 0, 1000 * kSecond).count() == 6);

  LocalHistory small(std::chrono::hours(1), 600, 0);  // an entity, a track and a few records
  for (int i = 1; i <= 10; ++i) {
    push(small, R"({"providers":[{"provider":"vtex","request_total":1}]})", i * 10 * kSecond - 1);
    small.sample(i * 10 * kSecond);
  }
  CHECK(small.bytes() <= 600);
  CHECK(small.covered_since_ms() > 0);
  CHECK(small.untracked() == 0);
  CHECK(small.total(Family::kProviderRequestTotal, EntityKind::kProvider, "vtex", small.covered_since_ms(),
                    1000 * kSecond)
            .count() >= 1);

  // A second entity no longer fits: it is left out, the first one kept.
  push(small, R"({"providers":[{"provider":"another-provider","request_total":1}]})", 105 * kSecond);
  small.sample(110 * kSecond);
  CHECK(small.untracked() > 0);
  CHECK_FALSE(small.last_change_ms(EntityKind::kProvider, "another-provider"));
  CHECK(small.bytes() <= 600);
}

TEST_CASE("health: unknown, stale, down, degraded, ok") {
  LocalHistory history(std::chrono::hours(1), 1 << 20, 0);
  Aggregator aggregator(testing::default_aggregator_config());
  const Config::Health thresholds;  // 5 % degraded, 50 % down, providers stale after 1h
  const auto bounds = aggregator.layout_of(Family::kProviderResponseTime).upper_bounds();
  const auto health = [&](std::string id, std::int64_t now, std::optional<Duration> interval = std::nullopt) {
    return summarize(EntityKind::kProvider, id, history, now, 3600 * kSecond, bounds, thresholds, interval).health;
  };
  CHECK(health("vtex", kSecond) == Health::kUnknown);
  push(history, R"({"providers":[
      {"provider":"ok","request_total":100,"request_success":99},
      {"provider":"degraded","request_total":100,"request_success":90,"request_error_500":10},
      {"provider":"down","request_total":10,"request_success":2,"request_error_400":8},
      {"provider":"quiet","request_total":0}]})", 10 * kSecond);
  history.sample(10 * kSecond);
  CHECK(health("ok", 20 * kSecond) == Health::kOk);
  CHECK(health("degraded", 20 * kSecond) == Health::kDegraded);
  CHECK(health("down", 20 * kSecond) == Health::kDown);
  CHECK(health("quiet", 20 * kSecond) == Health::kOk);
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
