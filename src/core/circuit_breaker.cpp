#include "syncmon/circuit_breaker.h"

namespace syncmon {

bool CircuitBreaker::allow(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kOpen:
      if (now_ms - opened_at_ms_ < open_for_ms_) {
        return false;
      }
      state_ = State::kHalfOpen;
      trial_in_flight_ = true;
      return true;
    case State::kHalfOpen:
      if (trial_in_flight_) {
        return false;
      }
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mutex_);
  state_ = State::kClosed;
  consecutive_failures_ = 0;
  trial_in_flight_ = false;
}

void CircuitBreaker::record_failure(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  trial_in_flight_ = false;
  if (state_ == State::kHalfOpen || ++consecutive_failures_ >= failures_to_open_) {
    state_ = State::kOpen;
    opened_at_ms_ = now_ms;
    consecutive_failures_ = 0;
  }
}

CircuitBreaker::State CircuitBreaker::state(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  if (state_ == State::kOpen && now_ms - opened_at_ms_ >= open_for_ms_) {
    return State::kHalfOpen;  // the next call will be the trial
  }
  return state_;
}

std::string_view state_name(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kOpen:
      return "open";
    case CircuitBreaker::State::kHalfOpen:
      return "half-open";
  }
  return "unknown";
}

}  // namespace syncmon
