#pragma once
// Stops calling a backend that keeps failing (SPEC 3.5): after `failures_to_open` failures in a
// row the breaker opens and callers go straight to their fallback; after `open_for` one trial
// call is let through (half-open), and its outcome closes or re-opens the breaker. Times are
// passed in, so it is tested without a clock.
//
// Thread safety: every member takes one mutex.

#include <cstdint>
#include <mutex>
#include <string_view>

namespace syncmon {

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  CircuitBreaker(unsigned failures_to_open, std::int64_t open_for_ms)
      : failures_to_open_(failures_to_open), open_for_ms_(open_for_ms) {}

  // May a call go to the backend now? In half-open state only one caller gets true, until it
  // reports its outcome.
  bool allow(std::int64_t now_ms);
  void record_success();
  void record_failure(std::int64_t now_ms);

  State state(std::int64_t now_ms) const;

 private:
  const unsigned failures_to_open_;
  const std::int64_t open_for_ms_;
  mutable std::mutex mutex_;
  State state_ = State::kClosed;
  unsigned consecutive_failures_ = 0;
  std::int64_t opened_at_ms_ = 0;
  bool trial_in_flight_ = false;
};

std::string_view state_name(CircuitBreaker::State state);

}  // namespace syncmon
