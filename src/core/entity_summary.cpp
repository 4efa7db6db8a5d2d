#include "syncmon/entity_summary.h"

namespace syncmon {

std::string_view health_name(Health health) {
  switch (health) {
    case Health::kOk:
      return "ok";
    case Health::kDegraded:
      return "degraded";
    case Health::kDown:
      return "down";
    case Health::kStale:
      return "stale";
    case Health::kUnknown:
      return "unknown";
  }
  return "unknown";
}

EntitySummary summarize(EntityKind entity, const std::string& id, const LocalHistory& history, std::int64_t now_ms,
                        std::int64_t window_ms, std::span<const double> response_time_bounds,
                        const Config::Health& thresholds, std::optional<Duration> expected_interval) {
  EntitySummary summary;
  const std::int64_t from = now_ms - window_ms;
  const auto count = [&](Family family) { return history.total(family, entity, id, from, now_ms).count(); };
  summary.requests = count(Family::kProviderRequestTotal);
  summary.successes = count(Family::kProviderRequestSuccess);
  summary.errors_4xx = count(Family::kProviderRequestError400);
  summary.errors_5xx = count(Family::kProviderRequestError500);
  summary.p95_response_time =
      bucket_quantile(0.95, response_time_bounds, history.total(Family::kProviderResponseTime, entity, id, from, now_ms).counts);
  summary.last_push_ms = history.last_change_ms(entity, id);

  const Duration stale_after = expected_interval.value_or(thresholds.provider_stale_after);
  if (!summary.last_push_ms) {
    summary.health = Health::kUnknown;
  } else if (now_ms - *summary.last_push_ms > stale_after.count()) {
    summary.health = Health::kStale;
  } else if (summary.requests > 0) {
    const std::uint64_t failed = summary.requests > summary.successes ? summary.requests - summary.successes : 0;
    const double error_ratio = static_cast<double>(failed) / static_cast<double>(summary.requests);
    summary.health = error_ratio >= thresholds.down_error_ratio       ? Health::kDown
                     : error_ratio >= thresholds.degraded_error_ratio ? Health::kDegraded
                                                                      : Health::kOk;
  } else {
    summary.health = Health::kOk;
  }
  return summary;
}

}  // namespace syncmon
