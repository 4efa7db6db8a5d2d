#include "syncmon/series_query.h"

#include <algorithm>
#include <cmath>
#include <charconv>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "syncmon/duration.h"
#include "syncmon/label_rules.h"
#include "syncmon/text_writer.h"
#include "syncmon/time_format.h"

namespace syncmon {
namespace {

ApiError bad_parameter(std::string parameter, std::string message) {
  return {400, std::move(message), std::move(parameter), "invalid"};
}

constexpr std::array<Stat, 4> kHistogramStats = {Stat::kP50, Stat::kP95, Stat::kP99, Stat::kMean};

// The families an entity's series are drawn from, in the order they are answered.
std::vector<Family> families_of(EntityKind entity) {
  std::vector<Family> families(kProviderCounterFamilies.begin(), kProviderCounterFamilies.end());
  families.push_back(Family::kProviderResponseTime);
  if (entity == EntityKind::kConnection) {
    families.insert(families.end(), kConnectionTimingFamilies.begin(), kConnectionTimingFamilies.end());
  }
  return families;
}

void add_lines(std::vector<SeriesLine>& lines, Family family) {
  if (family_info(family).kind == ValueKind::kHistogram) {
    for (const Stat stat : kHistogramStats) {
      lines.push_back({family, stat});
    }
  } else {
    lines.push_back({family, Stat::kEvents});
  }
}

// Unix seconds or RFC 3339.
std::optional<double> parse_time(std::string_view text) {
  double seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error == std::errc() && end == text.data() + text.size()) {
    return std::isfinite(seconds) ? std::optional(seconds) : std::nullopt;
  }
  return parse_rfc3339(text);
}

std::int64_t floor_to(std::int64_t value, std::int64_t step) {
  const std::int64_t q = value / step;
  return (value % step != 0 && value < 0 ? q - 1 : q) * step;
}

bool is_connection_timing(Family family) { return family_info(family).labels == LabelScheme::kConnectionResource; }

double quantile_of(Stat stat) {
  switch (stat) {
    case Stat::kP50:
      return 0.5;
    case Stat::kP95:
      return 0.95;
    case Stat::kP99:
      return 0.99;
    default:
      return 0;
  }
}

}  // namespace

std::string_view stat_name(Stat stat) {
  switch (stat) {
    case Stat::kEvents:
      return "";
    case Stat::kP50:
      return "p50";
    case Stat::kP95:
      return "p95";
    case Stat::kP99:
      return "p99";
    case Stat::kMean:
      return "mean";
  }
  return "";
}

std::string SeriesQuery::cache_key() const {
  std::string key = fmt::format("{}|{}|{}|{}|{}|{}|", entity_kind_name(entity), id, resource, start, end, step);
  for (const auto& line : lines) {
    key += fmt::format("{}.{},", static_cast<int>(line.family), static_cast<int>(line.stat));
  }
  return key;
}

Expected<SeriesQuery, ApiError> parse_series_query(EntityKind entity, std::string id, const QueryParams& params,
                                                   double now_unix_seconds) {
  static constexpr std::array<std::string_view, 5> kKnown = {"metrics", "resource", "start", "end", "step"};
  for (const auto& [name, value] : params) {
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) {
      return unexpected(bad_parameter(name, fmt::format("unknown parameter; use {}", fmt::join(kKnown, ", "))));
    }
  }
  SeriesQuery query;
  query.entity = entity;
  query.id = std::move(id);
  const std::vector<Family> families = families_of(entity);
  if (auto it = params.find("metrics"); it != params.end() && !it->second.empty()) {
    std::string_view rest = it->second;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view name = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const auto family = std::find_if(families.begin(), families.end(),
                                       [&](Family f) { return family_info(f).pushed_field == name; });
      if (family == families.end()) {
        std::vector<std::string_view> names;
        for (const Family f : families) {
          names.push_back(family_info(f).pushed_field);
        }
        return unexpected(bad_parameter("metrics", fmt::format("\"{}\" is not a metric of a {}; use {}",
                                                               name.substr(0, 64), entity_kind_name(entity),
                                                               fmt::join(names, ", "))));
      }
      if (std::any_of(query.lines.begin(), query.lines.end(), [&](const SeriesLine& l) { return l.family == *family; })) {
        return unexpected(bad_parameter("metrics", fmt::format("\"{}\" is listed twice", name)));
      }
      add_lines(query.lines, *family);
    }
  } else {
    for (const Family family : families) {
      add_lines(query.lines, family);
    }
  }
  if (auto it = params.find("resource"); it != params.end()) {
    if (entity != EntityKind::kConnection) {
      return unexpected(bad_parameter("resource", "only a connection's series have a resource"));
    }
    if (auto problem = entity_id_problem(it->second)) {
      return unexpected(bad_parameter("resource", fmt::format("resource {}", *problem)));
    }
    query.resource = it->second;
  }
  double end = now_unix_seconds;
  if (auto it = params.find("end"); it != params.end()) {
    auto parsed = parse_time(it->second);
    if (!parsed) {
      return unexpected(bad_parameter("end", "end must be unix seconds or an RFC 3339 time"));
    }
    end = *parsed;
  }
  double start = end - kDefaultRange;
  if (auto it = params.find("start"); it != params.end()) {
    auto parsed = parse_time(it->second);
    if (!parsed) {
      return unexpected(bad_parameter("start", "start must be unix seconds or an RFC 3339 time"));
    }
    start = *parsed;
  }
  if (!(start < end)) {
    return unexpected(bad_parameter("start", "start must be before end"));
  }
  if (end - start > 400.0 * 24 * 3600) {
    return unexpected(bad_parameter("start", "the range may not exceed 400 days"));
  }
  const double range = end - start;
  std::int64_t step = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(range / kDefaultMaxPoints)));
  if (auto it = params.find("step"); it != params.end()) {
    std::optional<Duration> parsed = parse_duration(it->second);
    if (!parsed || parsed->count() < 1000) {
      return unexpected(bad_parameter("step", "step must be a duration such as \"1m\" or seconds, at least 1s"));
    }
    step = (parsed->count() + 999) / 1000;
  }
  if (range / static_cast<double>(step) + 1 > static_cast<double>(kMaxPoints)) {
    return unexpected(bad_parameter("step", fmt::format("the range would have more than {} points at this step; "
                                                        "choose a larger step",
                                                        kMaxPoints)));
  }
  query.step = step;
  query.start = floor_to(static_cast<std::int64_t>(std::floor(start)), step);
  query.end = floor_to(static_cast<std::int64_t>(std::floor(end)), step);
  return query;
}

std::string promql_string(std::string_view value) {
  // A PromQL string literal escapes what a label value in the text format does.
  std::string out = "\"";
  append_escaped_label_value(out, value);
  out += '"';
  return out;
}

std::string promql(const SeriesQuery& query, const SeriesLine& line) {
  const FamilyInfo& info = family_info(line.family);
  std::string matchers;
  if (query.entity == EntityKind::kProvider) {
    matchers = "provider=" + promql_string(query.id);
  } else {
    matchers = "connection=" + promql_string(query.id);
    if (is_connection_timing(line.family) && !query.resource.empty()) {
      matchers += ",resource=" + promql_string(query.resource);
    }
  }
  const std::string window = fmt::format("[{}s]", query.step);
  const auto increase = [&](std::string_view suffix) {
    return fmt::format("sum(increase({}{}{{{}}}{}))", info.name, suffix, matchers, window);
  };
  switch (line.stat) {
    case Stat::kEvents:
      return increase("");
    case Stat::kMean:
      return fmt::format("{} / {}", increase("_sum"), increase("_count"));
    default:
      return fmt::format("histogram_quantile({}, sum by (le) (increase({}_bucket{{{}}}{})))", quantile_of(line.stat),
                         info.name, matchers, window);
  }
}

Expected<Points, std::string> parse_query_range(std::string_view body) {
  rapidjson::Document document;
  document.Parse(body.data(), body.size());
  if (document.HasParseError() || !document.IsObject()) {
    return unexpected(std::string("the backend's answer is not JSON"));
  }
  const auto status = document.FindMember("status");
  if (status == document.MemberEnd() || !status->value.IsString() || std::string_view(status->value.GetString()) != "success") {
    const auto error = document.FindMember("error");
    return unexpected(fmt::format("the backend answered with an error: {}",
                                  error != document.MemberEnd() && error->value.IsString() ? error->value.GetString()
                                                                                           : "(none given)"));
  }
  const auto data = document.FindMember("data");
  if (data == document.MemberEnd() || !data->value.IsObject()) {
    return unexpected(std::string("the backend's answer has no data"));
  }
  const auto result = data->value.FindMember("result");
  if (result == data->value.MemberEnd() || !result->value.IsArray()) {
    return unexpected(std::string("the backend's answer has no data.result"));
  }
  Points points;
  if (result->value.Empty()) {
    return points;
  }
  if (result->value.Size() != 1 || !result->value[0].IsObject()) {
    return unexpected(std::string("the backend answered with more than one series for an aggregated query"));
  }
  const auto values = result->value[0].FindMember("values");
  if (values == result->value[0].MemberEnd() || !values->value.IsArray()) {
    return unexpected(std::string("the backend's series has no values"));
  }
  for (const auto& pair : values->value.GetArray()) {
    if (!pair.IsArray() || pair.Size() != 2 || !pair[0].IsNumber() || !pair[1].IsString()) {
      return unexpected(std::string("the backend's values are not [time, \"value\"] pairs"));
    }
    const std::string_view text(pair[1].GetString(), pair[1].GetStringLength());
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
      continue;  // NaN, +Inf: a step with nothing to take a quantile of
    }
    points.emplace_back(static_cast<std::int64_t>(std::llround(pair[0].GetDouble())), value);
  }
  return points;
}

LocalAnswer answer_locally(const SeriesQuery& query, const LocalHistory& history,
                           std::span<const double> provider_bounds, std::span<const double> connection_bounds) {
  LocalAnswer answer;
  const std::int64_t step_ms = query.step * 1000;
  const std::int64_t covered_since = history.covered_since_ms();
  // Steps before the history began cannot be answered; they are left out and the answer is partial.
  std::int64_t first = query.start;
  while (first <= query.end && (first - query.step) * 1000 < covered_since) {
    first += query.step;
  }
  answer.partial = first != query.start;
  for (const auto& line : query.lines) {
    Points points;
    if (first <= query.end) {
      const auto steps = history.steps(line.family, query.entity, query.id,
                                       is_connection_timing(line.family) ? query.resource : std::string(),
                                       first * 1000, query.end * 1000, step_ms);
      const auto bounds = family_info(line.family).labels == LabelScheme::kProvider ? provider_bounds : connection_bounds;
      for (std::size_t i = 0; i < steps.size(); ++i) {
        const std::int64_t at = first + static_cast<std::int64_t>(i) * query.step;
        const Totals& totals = steps[i];
        if (line.stat == Stat::kEvents) {
          points.emplace_back(at, static_cast<double>(totals.count()));
        } else if (line.stat == Stat::kMean) {
          if (const auto count = totals.count(); count > 0) {
            points.emplace_back(at, totals.sum / static_cast<double>(count));
          }
        } else if (auto value = bucket_quantile(quantile_of(line.stat), bounds, totals.counts)) {
          points.emplace_back(at, *value);
        }
      }
    }
    answer.lines.push_back(std::move(points));
  }
  return answer;
}

std::string series_json(const SeriesQuery& query, const std::vector<Points>& lines, std::string_view source,
                        bool partial, std::string_view backend_error) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  const auto string = [&](std::string_view text) {
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  };
  writer.StartObject();
  string(entity_kind_name(query.entity));
  string(query.id);
  if (!query.resource.empty()) {
    writer.Key("resource");
    string(query.resource);
  }
  writer.Key("start");
  writer.Int64(query.start);
  writer.Key("end");
  writer.Int64(query.end);
  writer.Key("step");
  writer.Int64(query.step);
  writer.Key("source");
  string(source);
  if (partial) {
    writer.Key("partial");
    writer.Bool(true);
  }
  if (!backend_error.empty()) {
    writer.Key("backend_error");
    string(backend_error);
  }
  writer.Key("series");
  writer.StartArray();
  for (std::size_t i = 0; i < query.lines.size(); ++i) {
    const SeriesLine& line = query.lines[i];
    writer.StartObject();
    writer.Key("metric");
    string(family_info(line.family).pushed_field);
    if (line.stat != Stat::kEvents) {
      writer.Key("stat");
      string(stat_name(line.stat));
    }
    writer.Key("unit");
    string(line.stat == Stat::kEvents ? "requests" : "seconds");
    writer.Key("points");
    writer.StartArray();
    for (const auto& [at, value] : lines[i]) {
      writer.StartArray();
      writer.Int64(at);
      writer.Double(value);
      writer.EndArray();
    }
    writer.EndArray();
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace syncmon
