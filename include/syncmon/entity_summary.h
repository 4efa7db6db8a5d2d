#pragma once
// The summary and health state the listings of SPEC 3.4 show for a provider or a connection,
// computed from the daemon's own history over a window (no backend call, so a listing of many
// entities stays fast and works while Prometheus is down).
//
//   unknown   the history has seen no push for the entity since the daemon started
//   stale     its last push is older than the connection's expected_interval (providers, and
//             connections without one: health.provider_stale_after)
//   down      at least health.down_error_ratio of the window's requests failed
//   degraded  at least health.degraded_error_ratio failed
//   ok        otherwise, also when the window holds no requests

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "syncmon/config.h"
#include "syncmon/local_history.h"

namespace syncmon {

enum class Health { kOk, kDegraded, kDown, kStale, kUnknown };
std::string_view health_name(Health health);

struct EntitySummary {
  std::uint64_t requests = 0;
  std::uint64_t successes = 0;
  std::uint64_t errors_4xx = 0;
  std::uint64_t errors_5xx = 0;
  std::optional<double> p95_response_time;  // seconds; none without observations
  std::optional<std::int64_t> last_push_ms;
  Health health = Health::kUnknown;

  std::optional<double> success_ratio() const {
    return requests == 0 ? std::nullopt : std::optional(static_cast<double>(successes) / static_cast<double>(requests));
  }
};

EntitySummary summarize(EntityKind entity, const std::string& id, const LocalHistory& history, std::int64_t now_ms,
                        std::int64_t window_ms, std::span<const double> response_time_bounds,
                        const Config::Health& thresholds, std::optional<Duration> expected_interval);

}  // namespace syncmon
