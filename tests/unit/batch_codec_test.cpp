#include <doctest/doctest.h>

#include "syncmon/batch_codec.h"
#include "test_support.h"

namespace syncmon {
namespace {

TEST_CASE("a batch survives encoding and decoding unchanged") {
  Aggregator aggregator(testing::default_aggregator_config());
  auto batch = testing::parse(aggregator, R"({"job": "j\u00e9", "providers": [
      {"provider": "vtex", "connection": "c", "request_total": 9007199254740992, "request_success": 1,
       "request_response_time": [0.1, 7]},
      {"provider": "totvs"}],
    "connections": [{"connection": "c", "resource": "r", "resource_get_time": [0.2], "resource_delete_time": [99999]}]})");
  REQUIRE(batch.has_value());
  batch->received_at_unix_ms = -5;  // negative times round-trip too
  const std::string bytes = encode_batch(*batch);
  auto decoded = decode_batch(bytes);
  REQUIRE(decoded.has_value());
  CHECK(encode_batch(*decoded) == bytes);
  CHECK(decoded->job == "j\xC3\xA9");
  CHECK(decoded->received_at_unix_ms == -5);
  CHECK(decoded->providers[0].counters[0] == 9007199254740992ULL);
  CHECK(decoded->providers[0].response_time->bucket_counts == batch->providers[0].response_time->bucket_counts);
  CHECK(decoded->providers[0].response_time->sum == batch->providers[0].response_time->sum);
  CHECK_FALSE(decoded->providers[1].response_time.has_value());
  CHECK(decoded->connections[0].timings[1].has_value());
  CHECK_FALSE(decoded->connections[0].timings[2].has_value());
  CHECK(decoded->connections[0].timings[4]->bucket_counts.back() == 1);
}

TEST_CASE("damaged records are refused, never half read") {
  Aggregator aggregator(testing::default_aggregator_config());
  auto batch = testing::parse(aggregator, R"({"providers": [{"provider": "p", "request_response_time": [1]}]})");
  REQUIRE(batch.has_value());
  const std::string bytes = encode_batch(*batch);
  CHECK_FALSE(decode_batch("").has_value());
  CHECK_FALSE(decode_batch(std::string(1, '\x09') + bytes.substr(1)).has_value());  // unknown version
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    CAPTURE(cut);
    CHECK_FALSE(decode_batch(bytes.substr(0, cut)).has_value());
  }
  CHECK_FALSE(decode_batch(bytes + "x").has_value());  // trailing garbage
  // A length field claiming far more elements than the record holds.
  const std::string huge_count = std::string("\x01\x00\x00\xff\xff\xff\xff\x0f", 8);
  CHECK_FALSE(decode_batch(huge_count).has_value());
}

}  // namespace
}  // namespace syncmon
