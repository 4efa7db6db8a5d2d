#include <doctest/doctest.h>

#include "syncmon/circuit_breaker.h"
#include "syncmon/response_cache.h"
#include "syncmon/series_query.h"
#include "syncmon/time_format.h"
#include "test_support.h"

namespace syncmon {
namespace {

constexpr double kNow = 1764844830;  // 2025-12-04T10:40:30Z

Expected<SeriesQuery, ApiError> parse(EntityKind kind, QueryParams params) {
  return parse_series_query(kind, "vtex", params, kNow);
}

TEST_CASE("defaults: the last hour, at most 240 points, every metric of the entity, aligned to the step") {
  auto query = parse(EntityKind::kProvider, {});
  REQUIRE(query);
  CHECK(query->step == 15);
  CHECK(query->end == 1764844830);
  CHECK(query->start == 1764841230);
  CHECK(query->start % query->step == 0);
  // 4 counters, then the response time's p50, p95, p99 and mean.
  REQUIRE(query->lines.size() == 8);
  CHECK(query->lines[4].family == Family::kProviderResponseTime);
  CHECK(query->lines[5].stat == Stat::kP95);

  auto connection = parse_series_query(EntityKind::kConnection, "loja1-products", {}, kNow);
  REQUIRE(connection);
  CHECK(connection->lines.size() == 8 + 5 * 4);
}

TEST_CASE("start and end take unix seconds or RFC 3339; step a duration; errors name the parameter") {
  auto query = parse(EntityKind::kProvider, {{"metrics", "request_total"}, {"start", "2025-12-04T09:40:00Z"},
                                              {"end", "1764844800"}, {"step", "1m"}});
  REQUIRE(query);
  CHECK(query->start == 1764841200);
  CHECK(query->end == 1764844800);
  CHECK(query->step == 60);
  CHECK(query->lines.size() == 1);
  CHECK(*parse_rfc3339("2025-12-04T10:40:00+01:00") == doctest::Approx(1764841200));

  struct Case {
    QueryParams params;
    std::string_view parameter;
  };
  for (const auto& [params, parameter] :
       {Case{{{"metrics", "request_total,nope"}}, "metrics"}, Case{{{"metrics", "resource_get_time"}}, "metrics"},
        Case{{{"metrics", "request_total,request_total"}}, "metrics"}, Case{{{"start", "yesterday"}}, "start"},
        Case{{{"end", "1e999"}}, "end"}, Case{{{"start", "100"}, {"end", "50"}}, "start"},
        Case{{{"step", "0"}}, "step"}, Case{{{"step", "1s"}, {"start", "0"}, {"end", "86400"}}, "step"},
        Case{{{"resource", "product"}}, "resource"}, Case{{{"query", "up"}}, "query"}}) {
    auto refused = parse(EntityKind::kProvider, params);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().status == 400);
    CHECK(refused.error().path == parameter);
  }
  auto bad_resource = parse_series_query(EntityKind::kConnection, "c", {{"resource", "a\"}or{"}}, kNow);
  REQUIRE_FALSE(bad_resource);
  CHECK(bad_resource.error().path == "resource");
}

TEST_CASE("the PromQL is built from the family table and escaped ids") {
  auto query = parse_series_query(EntityKind::kConnection, "loja1-products",
                                  {{"metrics", "request_total,resource_get_time"}, {"resource", "product"},
                                   {"start", "0"}, {"end", "600"}, {"step", "60"}},
                                  kNow);
  REQUIRE(query);
  CHECK(promql(*query, query->lines[0]) ==
        R"(sum(increase(syncmon_provider_request_total{connection="loja1-products"}[60s])))");
  CHECK(promql(*query, query->lines[2]) ==
        R"(histogram_quantile(0.95, sum by (le) (increase(syncmon_connection_resource_get_time_seconds_bucket{connection="loja1-products",resource="product"}[60s]))))");
  CHECK(promql(*query, query->lines[4]) ==
        R"(sum(increase(syncmon_connection_resource_get_time_seconds_sum{connection="loja1-products",resource="product"}[60s])) / sum(increase(syncmon_connection_resource_get_time_seconds_count{connection="loja1-products",resource="product"}[60s])))");
  CHECK(promql_string(R"(a"}or{b\)") == R"("a\"}or{b\\")");
}

TEST_CASE("query_range answers: points, empty results, NaN dropped, errors described") {
  auto points = parse_query_range(
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[60,"3"],[120,"NaN"],[180,"0.5"]]}]}})");
  REQUIRE(points);
  CHECK(*points == Points{{60, 3.0}, {180, 0.5}});
  auto empty = parse_query_range(R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  REQUIRE(empty);
  CHECK(empty->empty());
  CHECK_FALSE(parse_query_range("<html>"));
  auto error = parse_query_range(R"({"status":"error","errorType":"bad_data","error":"parse error"})");
  REQUIRE_FALSE(error);
  CHECK(error.error().find("parse error") != std::string::npos);
}

TEST_CASE("a local answer sums the history per step and marks what it cannot cover") {
  Aggregator aggregator(testing::default_aggregator_config());
  LocalHistory history(std::chrono::hours(1), 1 << 20, 1000 * 1000);
  auto batch = testing::parse(aggregator, R"({"providers":[{"provider":"vtex","request_total":7,"request_response_time":[0.2]}]})");
  REQUIRE(batch);
  batch->received_at_unix_ms = 1025 * 1000;
  history.add(*batch);
  history.sample(1030 * 1000);
  auto query = parse(EntityKind::kProvider, {{"metrics", "request_total,request_response_time"}, {"start", "960"},
                                             {"end", "1080"}, {"step", "60"}});
  REQUIRE(query);
  const auto answer = answer_locally(*query, history, aggregator.layout_of(Family::kProviderResponseTime).upper_bounds(),
                                     aggregator.layout_of(Family::kConnectionGetTime).upper_bounds());
  CHECK(answer.partial);  // the history began at 1000, so the step ending at 960 and 1020 are out
  REQUIRE(answer.lines.size() == 5);
  CHECK(answer.lines[0] == Points{{1080, 7.0}});
  CHECK(answer.lines[4] == Points{{1080, 0.2}});  // the mean
  const std::string json = series_json(*query, answer.lines, "local", answer.partial, "refused");
  CHECK(json.find(R"("provider":"vtex")") != std::string::npos);
  CHECK(json.find(R"("source":"local","partial":true,"backend_error":"refused")") != std::string::npos);
  CHECK(json.find(R"({"metric":"request_response_time","stat":"p95","unit":"seconds","points":[[1080,)") !=
        std::string::npos);
}

TEST_CASE("the response cache expires entries and keeps within its byte budget") {
  ResponseCache cache(1000, 400);
  cache.put("a", std::string(100, 'a'), 0);
  CHECK(cache.get("a", 999).value().size() == 100);
  CHECK_FALSE(cache.get("a", 1000));
  cache.put("a", std::string(100, 'a'), 0);
  cache.put("b", std::string(100, 'b'), 0);
  CHECK(cache.get("a", 1));  // a is now the most recently used
  cache.put("c", std::string(100, 'c'), 0);
  CHECK(cache.bytes() <= 400);
  CHECK_FALSE(cache.get("b", 2));  // the least recently used went
  CHECK(cache.get("c", 2));
  cache.put("huge", std::string(1000, 'x'), 0);
  CHECK_FALSE(cache.get("huge", 1));
  ResponseCache disabled(0, 400);
  disabled.put("a", "x", 0);
  CHECK_FALSE(disabled.get("a", 0));
}

TEST_CASE("the circuit breaker opens after repeated failures and lets one trial through later") {
  CircuitBreaker breaker(3, 30'000);
  for (int i = 0; i < 2; ++i) {
    CHECK(breaker.allow(0));
    breaker.record_failure(0);
  }
  CHECK(breaker.state(0) == CircuitBreaker::State::kClosed);
  breaker.record_failure(0);
  CHECK(breaker.state(0) == CircuitBreaker::State::kOpen);
  CHECK_FALSE(breaker.allow(29'999));
  CHECK(breaker.allow(30'000));  // the trial
  CHECK_FALSE(breaker.allow(30'001));
  breaker.record_failure(30'002);  // a failed trial opens it again at once
  CHECK_FALSE(breaker.allow(40'000));
  CHECK(breaker.allow(60'002));
  breaker.record_success();
  CHECK(breaker.state(60'003) == CircuitBreaker::State::kClosed);
  CHECK(breaker.allow(60'003));
}

TEST_CASE("query strings decode, and refuse bad escapes and repeated parameters") {
  QueryParams params;
  CHECK_FALSE(parse_query_string("metrics=request_total%2Crequest_success&start=a+b&flag", params));
  CHECK(params.at("metrics") == "request_total,request_success");
  CHECK(params.at("start") == "a b");
  CHECK(params.at("flag").empty());
  QueryParams again;
  CHECK(parse_query_string("a=1&a=2", again)->parameter == "a");
  QueryParams broken;
  CHECK(parse_query_string("a=%zz", broken)->parameter == "a");
  CHECK(percent_encode("sum(x{a=\"b\"})") == "sum%28x%7Ba%3D%22b%22%7D%29");
}

}  // namespace
}  // namespace syncmon
