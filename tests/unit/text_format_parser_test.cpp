#include <doctest/doctest.h>

#include <cmath>

#include "syncmon/text_format_parser.h"
#include "syncmon/text_writer.h"

namespace syncmon {
namespace {

ParsedText parse_ok(std::string_view body) {
  auto parsed = parse_text_format(body, TextFormatLimits{});
  REQUIRE_MESSAGE(parsed.has_value(), (parsed.has_value() ? "" : parsed.error().message));
  return std::move(*parsed);
}

ApiError parse_error(std::string_view body) {
  auto parsed = parse_text_format(body, TextFormatLimits{});
  REQUIRE_MESSAGE(!parsed.has_value(), "accepted: " << body);
  return parsed.error();
}

TEST_CASE("counters, gauges and untyped samples with HELP, TYPE and escapes") {
  const auto parsed = parse_ok(
      "# HELP jobs_total Jobs, with a \\\\ and a\\nnewline.\n"
      "# TYPE jobs_total counter\n"
      "jobs_total{queue=\"a \\\"b\\\"\",path=\"C:\\\\x\"} 3\n"
      "jobs_total 1e3\n"
      "\n# a comment\n"
      "loose{a=\"1\",} -Inf\n");
  REQUIRE(parsed.families.size() == 2);
  const auto& jobs = parsed.families[0];
  CHECK(jobs.name == "jobs_total");
  CHECK(jobs.kind == MetricKind::kCounter);
  CHECK(*jobs.help == "Jobs, with a \\ and a\nnewline.");
  REQUIRE(jobs.metrics.size() == 2);
  CHECK(jobs.metrics[0].labels == std::vector<LabelPair>{{"path", "C:\\x"}, {"queue", "a \"b\""}});
  CHECK(jobs.metrics[1].value == 1000);
  CHECK(parsed.families[1].kind == MetricKind::kUntyped);
  CHECK(std::isinf(parsed.families[1].metrics[0].value));
  CHECK_FALSE(parsed.has_timestamps);
}

TEST_CASE("histograms and summaries are assembled from their lines") {
  const auto parsed = parse_ok(
      "# TYPE lat histogram\n"
      "lat_bucket{op=\"get\",le=\"0.5\"} 2\nlat_bucket{op=\"get\",le=\"+Inf\"} 3\nlat_sum{op=\"get\"} 1.25\n"
      "lat_count{op=\"get\"} 3\n"
      "# TYPE q summary\nq{quantile=\"0.9\"} 7\nq_sum 10\nq_count 4\n");
  REQUIRE(parsed.families.size() == 2);
  const auto& histogram = parsed.families[0].metrics.at(0);
  CHECK(histogram.labels == std::vector<LabelPair>{{"op", "get"}});
  REQUIRE(histogram.buckets.size() == 2);
  CHECK(histogram.buckets[0].upper_bound == 0.5);
  CHECK(std::isinf(histogram.buckets[1].upper_bound));
  CHECK(histogram.count == 3);
  CHECK(histogram.sum == 1.25);
  const auto& summary = parsed.families[1].metrics.at(0);
  CHECK(summary.quantiles.size() == 1);
  CHECK(summary.quantiles[0].quantile == 0.9);
  CHECK(summary.count == 4);
}

TEST_CASE("timestamps are reported, not refused") {
  CHECK(parse_ok("m 1 1700000000000\n").has_timestamps);
}

TEST_CASE("malformed lines are refused with their line number") {
  struct Case {
    std::string_view body;
    std::string_view line;
  };
  const Case cases[] = {
      {"m\n", "line 1"},
      {"ok 1\nm{a=b} 1\n", "line 2"},
      {"m{a=\"b\" 1\n", "line 1"},
      {"m{a=\"\\x\"} 1\n", "line 1"},
      {"m{a=\"1\",a=\"2\"} 1\n", "line 1"},
      {"m 1 2 3\n", "line 1"},
      {"m one\n", "line 1"},
      {"m 1 notatime\n", "line 1"},
      {"# TYPE m bogus\n", "line 1"},
      {"# TYPE m gauge\n# TYPE m gauge\n", "line 2"},
      {"m 1\n# TYPE m gauge\n", "line 2"},
      {"# HELP m a\n# HELP m b\n", "line 2"},
      {"# TYPE h histogram\nh 1\n", "line 2"},
      {"# TYPE h histogram\nh_bucket 1\n", "line 2"},
      {"# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", "line 2"},
      {"# TYPE s summary\ns 1\n", "line 2"},
      {"9m 1\n", "line 1"},
      {"m{a=\"\xff\"} 1\n", "line 1"},
      {"m 1e400\n", "line 1"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    const ApiError error = parse_error(c.body);
    CHECK(error.status == 400);
    CHECK(error.path == c.line);
    CHECK(error.message.starts_with("text format parsing error in " + std::string(c.line)));
  }
}

TEST_CASE("limits on label values and labels per series") {
  TextFormatLimits limits;
  limits.max_label_value_length = 4;
  limits.max_labels_per_series = 2;
  CHECK(parse_text_format("m{a=\"1234\"} 1\n", limits).has_value());
  CHECK_FALSE(parse_text_format("m{a=\"12345\"} 1\n", limits).has_value());
  CHECK_FALSE(parse_text_format("m{a=\"1\",b=\"2\",c=\"3\"} 1\n", limits).has_value());
}

TEST_CASE("Go's float syntax and formatting") {
  CHECK(parse_go_float("NaN").has_value());
  CHECK(*parse_go_float("+Inf") > 0);
  CHECK(*parse_go_float("-inf") < 0);
  CHECK(*parse_go_float("1.5E3") == 1500);
  CHECK(*parse_go_float(".5") == 0.5);
  CHECK_FALSE(parse_go_float("").has_value());
  CHECK_FALSE(parse_go_float("0x10").has_value());
  CHECK_FALSE(parse_go_float("1,5").has_value());

  CHECK(go_float(0) == "0");
  CHECK(go_float(-0.0) == "-0");
  CHECK(go_float(1) == "1");
  CHECK(go_float(0.1) == "0.1");
  CHECK(go_float(0.30000000000000004) == "0.30000000000000004");
  CHECK(go_float(123456) == "123456");
  CHECK(go_float(1234567) == "1.234567e+06");
  CHECK(go_float(1e6) == "1e+06");
  CHECK(go_float(0.0001) == "0.0001");
  CHECK(go_float(0.00001) == "1e-05");
  CHECK(go_float(1.5e-7) == "1.5e-07");
  CHECK(go_float(1e100) == "1e+100");
  CHECK(go_float(-2.5) == "-2.5");
  CHECK(go_float(1796402192.2320166) == "1.7964021922320166e+09");
  CHECK(go_float(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(go_float(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(go_float(std::nan("")) == "NaN");
}

}  // namespace
}  // namespace syncmon
