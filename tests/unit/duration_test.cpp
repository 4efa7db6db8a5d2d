#include <doctest/doctest.h>

#include "syncmon/duration.h"

namespace syncmon {
namespace {

using std::chrono::milliseconds;

TEST_CASE("durations in Prometheus' form and as plain seconds") {
  CHECK(parse_duration("10s") == milliseconds(10'000));
  CHECK(parse_duration("250ms") == milliseconds(250));
  CHECK(parse_duration("1h30m") == milliseconds(5'400'000));
  CHECK(parse_duration("15m") == milliseconds(900'000));
  CHECK(parse_duration("2d") == milliseconds(172'800'000));
  CHECK(parse_duration("0s") == milliseconds(0));
  CHECK(parse_duration("30") == milliseconds(30'000));
  CHECK(parse_duration("1.5") == milliseconds(1'500));
}

TEST_CASE("malformed durations are refused") {
  for (const char* text : {"", "s", "10x", "-5s", "1m1h", "5s5s", "1.5s", "10 s", "-1"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_duration(text).has_value());
  }
}

TEST_CASE("format_duration round-trips") {
  CHECK(format_duration(milliseconds(5'400'000)) == "1h30m");
  CHECK(format_duration(milliseconds(10'250)) == "10s250ms");
  CHECK(parse_duration(format_duration(milliseconds(93'784'005))) == milliseconds(93'784'005));
}

}  // namespace
}  // namespace syncmon

#include "syncmon/time_format.h"

namespace syncmon {
namespace {

TEST_CASE("RFC 3339 timestamps in UTC") {
  CHECK(rfc3339_from_unix_ms(1'764'841'200'123) == "2025-12-04T09:40:00.123Z");
  CHECK(rfc3339(1764841200.5, 9) == "2025-12-04T09:40:00.500000000Z");
  CHECK(rfc3339(0, 0) == "1970-01-01T00:00:00Z");
  CHECK(rfc3339(1.9999999999, 3) == "1970-01-01T00:00:01.999Z");  // never rounds up to 2.000 of the wrong second
}

}  // namespace
}  // namespace syncmon
