#pragma once
// An immutable value that writers replace whole and readers take a reference-counted copy of:
// the registry view and the access policy, which SIGHUP and the admin API swap under readers.
//
// A short mutex rather than std::atomic<std::shared_ptr>: libstdc++ 12 implements the latter with
// a lock bit that ThreadSanitizer cannot see and reports as a data race, which would blind the
// TSan run to real races. The critical section is a pointer copy.

#include <memory>
#include <mutex>

namespace syncmon {

template <typename T>
class Published {
 public:
  Published() = default;
  explicit Published(std::shared_ptr<const T> value) : value_(std::move(value)) {}

  std::shared_ptr<const T> load() const {
    std::lock_guard lock(mutex_);
    return value_;
  }
  void store(std::shared_ptr<const T> value) {
    {
      std::lock_guard lock(mutex_);
      value_.swap(value);
    }
    // The previous value, if this held its last reference, is freed here, outside the lock.
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> value_;
};

}  // namespace syncmon
