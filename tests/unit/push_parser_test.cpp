#include <doctest/doctest.h>

#include "syncmon/push_parser.h"
#include "test_support.h"

namespace syncmon {
namespace {

struct ParserFixture {
  Aggregator aggregator{testing::default_aggregator_config()};

  Expected<PushBatch, ApiError> parse(std::string_view body) const { return testing::parse(aggregator, body); }

  // The error of a body that must be rejected.
  ApiError rejected(std::string_view body) const {
    auto result = parse(body);
    REQUIRE_MESSAGE(!result.has_value(), "accepted: " << body);
    return result.error();
  }
};

// SPEC 3.1's example batch, shared with the integration tests.
std::string spec_example() {
  return testing::read_source_file("tests/data/spec_example.json");
}

TEST_CASE_FIXTURE(ParserFixture, "the SPEC's example batch parses into counters and bucketed histograms") {
  auto batch = parse(spec_example());
  REQUIRE(batch.has_value());
  CHECK(batch->job == "loja1-products-sync");
  REQUIRE(batch->providers.size() == 1);
  const auto& provider = batch->providers[0];
  CHECK(provider.provider == "vtex");
  CHECK(provider.connection == "loja1-products");
  CHECK(provider.counters == std::array<std::uint64_t, 4>{120, 110, 6, 4});
  REQUIRE(provider.response_time.has_value());
  // 0.05 falls in le=0.05, 0.12 in le=0.25, 0.34 in le=0.5.
  CHECK(provider.response_time->bucket_counts ==
        std::vector<std::uint64_t>{0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0});
  CHECK(provider.response_time->sum == doctest::Approx(0.51));

  REQUIRE(batch->connections.size() == 1);
  const auto& connection = batch->connections[0];
  CHECK(connection.resource == "product");
  REQUIRE(connection.timings[1].has_value());  // get
  CHECK(connection.timings[1]->count() == 900);
  CHECK(connection.timings[1]->bucket_counts[0] == 10);
  CHECK(connection.timings[1]->bucket_counts[1] == 490);
  CHECK(connection.timings[1]->sum == doctest::Approx(41.7));
  CHECK_FALSE(connection.timings[2].has_value());  // create not pushed
  CHECK(batch->observation_count() == 3 + 1 + 900 + 2);
}

TEST_CASE_FIXTURE(ParserFixture, "time_unit ms converts observations, sums and bucket keys to seconds") {
  auto batch = parse(R"({"time_unit": "ms", "providers": [{"provider": "p",
      "request_response_time": [5, 120]}],
      "connections": [{"connection": "c", "resource": "r", "resource_get_time": {"count": 1, "sum": 20,
        "buckets": {"10": 0, "50": 1, "100": 1, "250": 1, "500": 1, "1000": 1, "2500": 1, "5000": 1,
                    "10000": 1, "30000": 1, "60000": 1, "300000": 1, "900000": 1, "3600000": 1, "+Inf": 1}}}]})");
  REQUIRE(batch.has_value());
  CHECK(batch->providers[0].response_time->bucket_counts[0] == 1);  // 5 ms <= 0.005 s
  CHECK(batch->providers[0].response_time->bucket_counts[5] == 1);  // 120 ms <= 0.25 s
  CHECK(batch->providers[0].response_time->sum == doctest::Approx(0.125));
  CHECK(batch->connections[0].timings[1]->bucket_counts[1] == 1);
  CHECK(batch->connections[0].timings[1]->sum == doctest::Approx(0.02));
}

TEST_CASE_FIXTURE(ParserFixture, "optional fields may all be absent") {
  auto batch = parse(R"({})");
  REQUIRE(batch.has_value());
  CHECK(batch->job.empty());
  auto minimal = parse(R"({"providers": [{"provider": "p"}], "connections": [{"connection": "c", "resource": "r"}]})");
  REQUIRE(minimal.has_value());
  CHECK(minimal->providers[0].counters == std::array<std::uint64_t, 4>{0, 0, 0, 0});
  CHECK(minimal->providers[0].connection.empty());
}

TEST_CASE_FIXTURE(ParserFixture, "integral doubles are accepted as counters") {
  auto batch = parse(R"({"providers": [{"provider": "p", "request_total": 12.0}]})");
  REQUIRE(batch.has_value());
  CHECK(batch->providers[0].counters[0] == 12);
}

TEST_CASE_FIXTURE(ParserFixture, "every 400 rule of SPEC 3.1 names the JSON path") {
  struct Case {
    std::string_view body;
    std::string_view path;
    std::string_view message_part;
  };
  const Case cases[] = {
      {R"({"providers": [)", "$", "malformed JSON"},
      {R"([1, 2])", "$", "must be a JSON object"},
      {R"({"jobb": "x"})", "$.jobb", "unknown field"},
      {R"({"job": 3})", "$.job", "must be a string"},
      {R"({"job": ""})", "$.job", "must not be empty"},
      {R"({"time_unit": "h"})", "$.time_unit", "\"s\" or \"ms\""},
      {R"({"providers": {}})", "$.providers", "array"},
      {R"({"providers": [3]})", "$.providers[0]", "must be an object"},
      {R"({"providers": [{"request_total": 1}]})", "$.providers[0].provider", "required"},
      {R"({"providers": [{"provider": "p", "request_total": -1}]})", "$.providers[0].request_total", "non-negative integer"},
      {R"({"providers": [{"provider": "p", "request_total": 1.5}]})", "$.providers[0].request_total", "non-negative integer"},
      {R"({"providers": [{"provider": "p", "request_total": "7"}]})", "$.providers[0].request_total", "non-negative integer"},
      {R"({"providers": [{"provider": "p", "request_total": 9007199254740993}]})", "$.providers[0].request_total", "2^53"},
      {R"({"providers": [{"provider": "p", "request_total": 5, "request_success": 4, "request_error_400": 1, "request_error_500": 1}]})",
       "$.providers[0]", "exceeds request_total"},
      {R"({"providers": [{"provider": "p", "request_response_time": [0.1, -0.2]}]})",
       "$.providers[0].request_response_time[1]", "non-negative number"},
      {R"({"providers": [{"provider": "p", "request_response_time": ["fast"]}]})",
       "$.providers[0].request_response_time[0]", "non-negative number"},
      {R"({"providers": [{"provider": "p", "request_response_time": 0.3}]})",
       "$.providers[0].request_response_time", "array of observations"},
      {R"({"providers": [{"provider": "p", "request_response_time": [NaN]}]})", "$", "malformed JSON"},
      {R"({"providers": [{"provider": "p", "request_response_time": [1e400]}]})", "$", "malformed JSON"},
      {R"({"providers": [{"provider": "p", "provider": "q"}]})", "$.providers[0].provider", "more than once"},
      {R"({"job": "a", "job": "b"})", "$.job", "more than once"},
      {R"({"providers": [{"provider": "p\u0001x"}]})", "$.providers[0].provider", "control characters"},
      {R"({"providers": [{"provider": "p", "connection": "c\nd"}]})", "$.providers[0].connection", "control characters"},
      {R"({"providers": [{"provider": "p", "": 1}]})", "$.providers[0][\"\"]", "unknown field"},
      {R"({"connections": [{"connection": "c"}]})", "$.connections[0].resource", "required"},
      {R"({"connections": [{"connection": "c", "resource": "r", "resource_get_time": {"count": 1, "sum": 1}}]})",
       "$.connections[0].resource_get_time.buckets", "required"},
      {R"({"connections": [{"connection": "c", "resource": "r", "resource_get_time": {"count": 1, "sum": 1, "buckets": {"+Inf": 1}}}]})",
       "$.connections[0].resource_get_time.buckets", "0.01 0.05 0.1"},
      {R"({"connections": [{"connection": "c", "resource": "r", "resource_get_time": {"count": 1, "sum": 1, "buckets": {"0.02": 1}}}]})",
       "$.connections[0].resource_get_time.buckets[\"0.02\"]", "is not one of them"},
      {R"({"connections": [{"connection": "c", "resource": "r", "resource_get_time": {"count": 1, "sum": 1, "bukets": {}}}]})",
       "$.connections[0].resource_get_time.bukets", "unknown field"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    const ApiError error = rejected(c.body);
    CHECK(error.status == 400);
    CHECK(error.path == c.path);
    CHECK_MESSAGE(error.message.find(c.message_part) != std::string::npos, error.message);
  }
}

std::string histogram_with(std::string_view buckets, std::string_view count = "3") {
  return std::string(R"({"connections": [{"connection": "c", "resource": "r", "resource_get_time": {"count": )") +
         std::string(count) + R"(, "sum": 1, "buckets": {)" + std::string(buckets) + "}}}]}";
}

constexpr std::string_view kAllBoundsUpTo3600 =
    R"("0.01": 1, "0.05": 1, "0.1": 1, "0.25": 1, "0.5": 1, "1": 2, "2.5": 2, "5": 2, "10": 2, "30": 2, "60": 2, "300": 2, "900": 3, "3600": 3)";

TEST_CASE_FIXTURE(ParserFixture, "pre-aggregated histograms must be cumulative with +Inf equal to count") {
  CHECK(parse(histogram_with(std::string(kAllBoundsUpTo3600) + R"(, "+Inf": 3)")).has_value());

  const ApiError decreasing = rejected(histogram_with(
      R"("0.01": 2, "0.05": 1, "0.1": 1, "0.25": 1, "0.5": 1, "1": 2, "2.5": 2, "5": 2, "10": 2, "30": 2, "60": 2, "300": 2, "900": 3, "3600": 3, "+Inf": 3)"));
  CHECK(decreasing.path == "$.connections[0].resource_get_time.buckets[\"0.05\"]");
  CHECK(decreasing.message.find("cumulative") != std::string::npos);

  const ApiError inf_mismatch = rejected(histogram_with(std::string(kAllBoundsUpTo3600) + R"(, "+Inf": 4)"));
  CHECK(inf_mismatch.message.find("must equal count") != std::string::npos);

  const ApiError extra = rejected(histogram_with(std::string(kAllBoundsUpTo3600) + R"(, "7200": 3, "+Inf": 3)"));
  CHECK(extra.message.find("0.01 0.05 0.1 0.25 0.5 1 2.5 5 10 30 60 300 900 3600 +Inf") != std::string::npos);

  const ApiError duplicate = rejected(histogram_with(std::string(kAllBoundsUpTo3600) + R"(, "+Inf": 3, "+Inf": 3)"));
  CHECK(duplicate.message.find("more than once") != std::string::npos);

  const ApiError fractional = rejected(histogram_with(std::string(kAllBoundsUpTo3600) + R"(, "+Inf": 3.5)"));
  CHECK(fractional.path == "$.connections[0].resource_get_time.buckets[\"+Inf\"]");
}

TEST_CASE_FIXTURE(ParserFixture, "invalid UTF-8 in the body is a 400") {
  const std::string body = "{\"job\": \"bad\xC3\x28\"}";
  CHECK(rejected(body).message.find("malformed JSON") != std::string::npos);
}

TEST_CASE_FIXTURE(ParserFixture, "label values longer than the limit are rejected") {
  AggregatorConfig config = testing::default_aggregator_config();
  config.max_label_value_length = 8;
  Aggregator small(config);
  auto result = testing::parse(small, R"({"providers": [{"provider": "123456789"}]})");
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().path == "$.providers[0].provider");
  CHECK(result.error().message.find("limit of 8") != std::string::npos);
}

TEST_CASE_FIXTURE(ParserFixture, "deeply nested input is rejected without exhausting the stack") {
  std::string body = R"({"providers": )" + std::string(200000, '[') + std::string(200000, ']') + "}";
  CHECK(rejected(body).path == "$.providers[0]");
}

TEST_CASE_FIXTURE(ParserFixture, "provider webhook: one entry, or entries, with the id from the URL") {
  auto single = parse_provider_webhook(R"({"job": "j", "request_total": 3, "request_success": 3})", "vtex",
                                       aggregator.push_schema());
  REQUIRE(single.has_value());
  CHECK(single->job == "j");
  REQUIRE(single->providers.size() == 1);
  CHECK(single->providers[0].provider == "vtex");
  CHECK(single->providers[0].counters[0] == 3);

  auto entries = parse_provider_webhook(
      R"({"time_unit": "ms", "entries": [{"connection": "a", "request_response_time": [20]}, {"connection": "b"}]})",
      "vtex", aggregator.push_schema());
  REQUIRE(entries.has_value());
  CHECK(entries->providers.size() == 2);
  CHECK(entries->providers[0].response_time->sum == doctest::Approx(0.02));

  auto named = parse_provider_webhook(R"({"provider": "other"})", "vtex", aggregator.push_schema());
  REQUIRE_FALSE(named.has_value());
  CHECK(named.error().path == "$.provider");
  CHECK(named.error().message.find("comes from the URL") != std::string::npos);

  auto mixed = parse_provider_webhook(R"({"entries": [], "request_total": 1})", "vtex", aggregator.push_schema());
  REQUIRE_FALSE(mixed.has_value());
  CHECK(mixed.error().message.find("not both") != std::string::npos);

  auto bad_id = parse_provider_webhook(R"({})", std::string_view("a\x01", 2), aggregator.push_schema());
  REQUIRE_FALSE(bad_id.has_value());
  CHECK(bad_id.error().path == "provider");
}

TEST_CASE_FIXTURE(ParserFixture, "connection webhook takes the connection from the URL") {
  auto single = parse_connection_webhook(R"({"resource": "price", "resource_delete_time": [1]})", "c1",
                                         aggregator.push_schema());
  REQUIRE(single.has_value());
  CHECK(single->connections[0].connection == "c1");
  CHECK(single->connections[0].resource == "price");
  CHECK(single->connections[0].timings[4]->count() == 1);

  auto entry_job = parse_connection_webhook(R"({"entries": [{"resource": "r", "job": "j"}]})", "c1",
                                            aggregator.push_schema());
  REQUIRE_FALSE(entry_job.has_value());
  CHECK(entry_job.error().path == "$.entries[0].job");
}

}  // namespace
}  // namespace syncmon
