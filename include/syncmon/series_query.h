#pragma once
// SPEC 3.5: what a series request asks for, the PromQL that answers it, and the answer's JSON.
// The PromQL is built here from validated ids and a fixed table of families; nothing a client
// sends is pasted into it (ids are checked by entity_id_problem and escaped all the same).
// Plain C++: parsing, building and formatting only; the handler does the I/O.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "syncmon/api_error.h"
#include "syncmon/expected.h"
#include "syncmon/families.h"
#include "syncmon/local_history.h"
#include "syncmon/registry.h"
#include "syncmon/url_encoding.h"

namespace syncmon {

enum class Stat { kEvents, kP50, kP95, kP99, kMean };
std::string_view stat_name(Stat stat);  // "" for events

// One series of the answer: a counter's events per step, or one statistic of a histogram.
struct SeriesLine {
  Family family;
  Stat stat;
};

struct SeriesQuery {
  EntityKind entity;
  std::string id;
  std::string resource;  // connections only; empty: every resource
  std::vector<SeriesLine> lines;
  std::int64_t start = 0;  // unix seconds, a multiple of step
  std::int64_t end = 0;    // unix seconds, a multiple of step
  std::int64_t step = 0;   // seconds

  // Two requests that would get the same answer have the same key (start and end are aligned
  // to the step, so a dashboard refreshing within one step hits the cache).
  std::string cache_key() const;
};

inline constexpr std::int64_t kDefaultRange = 3600;
inline constexpr std::int64_t kMaxPoints = 11000;  // Prometheus' own limit per series
inline constexpr std::int64_t kDefaultMaxPoints = 240;

// Reads metrics, resource, start, end and step (SPEC 3.5); errors name the parameter.
Expected<SeriesQuery, ApiError> parse_series_query(EntityKind entity, std::string id, const QueryParams& params,
                                                   double now_unix_seconds);

// The PromQL for one line; `lookback` is the step.
std::string promql(const SeriesQuery& query, const SeriesLine& line);
// "<escaped>" for a PromQL string literal.
std::string promql_string(std::string_view value);

using Points = std::vector<std::pair<std::int64_t, double>>;

// The "data.result" of a Prometheus query_range answer: the points of its single series (none
// when the result is empty). NaN and infinite values (a quantile of a step with no
// observations) are dropped. An error says what was wrong with the answer.
Expected<Points, std::string> parse_query_range(std::string_view body);

// The same lines computed from the daemon's own history. `partial` is set when the history
// does not reach back to the start.
struct LocalAnswer {
  std::vector<Points> lines;
  bool partial = false;
};
LocalAnswer answer_locally(const SeriesQuery& query, const LocalHistory& history,
                           std::span<const double> provider_bounds, std::span<const double> connection_bounds);

// SPEC 3.5's JSON. `backend_error` explains a local answer.
std::string series_json(const SeriesQuery& query, const std::vector<Points>& lines, std::string_view source,
                        bool partial, std::string_view backend_error);

}  // namespace syncmon
