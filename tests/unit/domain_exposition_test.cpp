#include <doctest/doctest.h>

#include <sstream>

#include <prometheus/text_serializer.h>

#include "syncmon/domain_exposition.h"
#include "syncmon/text_writer.h"
#include "test_support.h"

namespace syncmon {
namespace {

std::string expose(const Aggregator& aggregator) {
  std::string out;
  append_domain_text(out, aggregator);
  return out;
}

TEST_CASE("domain series are written under the SPEC's family names and labels") {
  Aggregator aggregator(testing::default_aggregator_config());
  testing::push_ok(aggregator, R"({"job": "j1", "providers": [{"provider": "vtex", "connection": "c1",
      "request_total": 3, "request_success": 3, "request_response_time": [0.02]}],
      "connections": [{"connection": "c1", "resource": "product", "resource_index_time": [12.5]}]})",
                   1'764'841'200'500);
  const std::string text = expose(aggregator);
  CHECK(text.find("# TYPE syncmon_provider_request_total counter\n") != std::string::npos);
  CHECK(text.find("syncmon_provider_request_total{provider=\"vtex\",connection=\"c1\"} 3") != std::string::npos);
  CHECK(text.find("syncmon_provider_request_error_500_total{provider=\"vtex\",connection=\"c1\"} 0") != std::string::npos);
  CHECK(text.find("# TYPE syncmon_provider_request_response_time_seconds histogram") != std::string::npos);
  CHECK(text.find("syncmon_provider_request_response_time_seconds_count{provider=\"vtex\",connection=\"c1\"} 1") != std::string::npos);
  CHECK(text.find("syncmon_connection_resource_index_time_seconds_bucket{connection=\"c1\",resource=\"product\",le=\"30") != std::string::npos);
  CHECK(text.find("syncmon_job_pushes_total{job=\"j1\"} 1") != std::string::npos);
  CHECK(text.find("syncmon_job_last_push_timestamp_seconds{job=\"j1\"} 1.7648412005e+09\n") != std::string::npos);
  CHECK(text.find("# HELP syncmon_provider_request_total Calls made by sync jobs to the provider.\n") != std::string::npos);
  // Buckets, then _sum and _count, as Go's client library writes them.
  const auto bucket = text.find("syncmon_provider_request_response_time_seconds_bucket{provider=\"vtex\",connection=\"c1\",le=\"+Inf\"} 1\n");
  const auto sum = text.find("syncmon_provider_request_response_time_seconds_sum{provider=\"vtex\",connection=\"c1\"} 0.02\n");
  REQUIRE(bucket != std::string::npos);
  REQUIRE(sum != std::string::npos);
  CHECK(bucket < sum);
  // Families nobody pushed to are not shown.
  CHECK(text.find("resource_delete_time") == std::string::npos);
}

TEST_CASE("a provider pushed without a connection has no connection label") {
  Aggregator aggregator(testing::default_aggregator_config());
  testing::push_ok(aggregator, R"({"providers": [{"provider": "totvs", "request_total": 1}]})");
  CHECK(expose(aggregator).find("syncmon_provider_request_total{provider=\"totvs\"} 1") != std::string::npos);
}

TEST_CASE("the same state serializes to the same bytes whatever the push order") {
  Aggregator first(testing::default_aggregator_config());
  Aggregator second(testing::default_aggregator_config());
  const char* a = R"({"providers": [{"provider": "a", "request_total": 1}]})";
  const char* b = R"({"providers": [{"provider": "b", "request_total": 2}]})";
  testing::push_ok(first, a);
  testing::push_ok(first, b);
  testing::push_ok(second, b);
  testing::push_ok(second, a);
  CHECK(expose(first) == expose(second));
}

TEST_CASE("HELP text is escaped before prometheus-cpp writes it verbatim") {
  CHECK(escape_help_text("plain") == "plain");
  CHECK(escape_help_text("a\\b\nc") == "a\\\\b\\nc");
  prometheus::MetricFamily family{"x", escape_help_text("two\nlines"), prometheus::MetricType::Gauge, {}};
  family.metric.emplace_back();
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, {family});
  CHECK(out.str().starts_with("# HELP x two\\nlines\n# TYPE x gauge\n"));
}

}  // namespace
}  // namespace syncmon

namespace syncmon {
namespace {

TEST_CASE("registry labels come from the registry, never from the push") {
  Config::Registry registry;
  registry.partners = {{"acme", "ACME"}};
  registry.tenants = {{"loja1", "Loja 1"}};
  registry.providers = {{"vtex", "VTEX", "acme"}, {"totvs", "TOTVS", "acme"}, {"solo", "Solo", ""}};
  registry.connections = {{"loja1-products", "loja1", "totvs", "vtex", {"product"}, std::nullopt}};
  const RegistryLabels labels(registry);

  Aggregator aggregator(testing::default_aggregator_config());
  testing::push_ok(aggregator, R"({"providers": [
      {"provider": "vtex", "connection": "loja1-products", "request_total": 1},
      {"provider": "vtex", "request_total": 2},
      {"provider": "solo", "request_total": 3},
      {"provider": "unknown", "connection": "loja1-products", "request_total": 4}],
    "connections": [{"connection": "loja1-products", "resource": "product", "resource_get_time": [0.02]},
                    {"connection": "other", "resource": "price", "resource_get_time": [0.02]}]})");
  std::string text;
  append_domain_text(text, aggregator, labels);
  CHECK(text.find("syncmon_provider_request_total{provider=\"vtex\",connection=\"loja1-products\",partner=\"acme\",tenant=\"loja1\"} 1\n") != std::string::npos);
  CHECK(text.find("syncmon_provider_request_total{provider=\"vtex\",partner=\"acme\"} 2\n") != std::string::npos);
  CHECK(text.find("syncmon_provider_request_total{provider=\"solo\"} 3\n") != std::string::npos);
  CHECK(text.find("syncmon_provider_request_total{provider=\"unknown\",connection=\"loja1-products\",tenant=\"loja1\"} 4\n") != std::string::npos);
  CHECK(text.find("syncmon_connection_resource_get_time_seconds_bucket{connection=\"loja1-products\",resource=\"product\",tenant=\"loja1\",source_provider=\"totvs\",target_provider=\"vtex\",le=\"0.05\"} 1\n") != std::string::npos);
  CHECK(text.find("syncmon_connection_resource_get_time_seconds_count{connection=\"other\",resource=\"price\"} 1\n") != std::string::npos);
  // A push cannot name these labels itself: they are not fields of an entry.
  auto refused = testing::parse(aggregator, R"({"providers": [{"provider": "x", "partner": "evil"}]})");
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().path == "$.providers[0].partner");
}

}  // namespace
}  // namespace syncmon
