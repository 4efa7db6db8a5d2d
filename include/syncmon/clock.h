#pragma once
// Time is injected wherever it matters so that tests never sleep or read the wall clock.

#include <chrono>
#include <cstdint>

namespace syncmon {

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix time in milliseconds.
  virtual std::int64_t now_unix_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_unix_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms) : now_ms_(start_ms) {}
  std::int64_t now_unix_ms() const override { return now_ms_; }
  void advance_ms(std::int64_t delta) { now_ms_ += delta; }

 private:
  std::int64_t now_ms_;
};

}  // namespace syncmon
