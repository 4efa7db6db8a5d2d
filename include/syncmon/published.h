#pragma once
// An immutable value that writers replace whole and readers use: the registry view and the access
// policy, which SIGHUP and the admin API swap under the io threads.
//
// load() hands out a reference-counted copy (under a short mutex rather than
// std::atomic<std::shared_ptr>: libstdc++ 12 implements the latter with a lock bit that
// ThreadSanitizer cannot see and reports as a race). current() is the hot path's way: each
// thread keeps its own copy and only takes the mutex again after a store(), so a request costs
// one relaxed atomic load instead of a lock and two reference-count updates.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace syncmon {

template <typename T>
class Published {
 public:
  Published() = default;
  explicit Published(std::shared_ptr<const T> value) : value_(std::move(value)) {}
  Published(const Published&) = delete;
  Published& operator=(const Published&) = delete;

  std::shared_ptr<const T> load() const {
    std::lock_guard lock(mutex_);
    return value_;
  }

  void store(std::shared_ptr<const T> value) {
    {
      std::lock_guard lock(mutex_);
      value_.swap(value);
      version_.fetch_add(1, std::memory_order_release);
    }
    // The previous value, if this held its last reference, is freed here, outside the lock.
  }

  // The value as this thread last saw it, refreshed when a store() happened since. The reference
  // stays valid until this thread calls current() on this object again: use it within one
  // request, never across an asynchronous step.
  const T& current() const {
    struct Cached {
      std::uint64_t version = ~std::uint64_t{0};
      std::shared_ptr<const T> value;
    };
    // Keyed by instance id rather than address, which a later instance could reuse.
    thread_local std::unordered_map<std::uint64_t, Cached> cache;
    Cached& cached = cache[instance_id_];
    const std::uint64_t version = version_.load(std::memory_order_acquire);
    if (cached.version != version || !cached.value) {
      cached.value = load();
      cached.version = version;
    }
    return *cached.value;
  }

 private:
  static std::uint64_t next_instance_id() {
    static std::atomic<std::uint64_t> next{0};
    return next.fetch_add(1, std::memory_order_relaxed);
  }

  const std::uint64_t instance_id_ = next_instance_id();
  mutable std::mutex mutex_;
  std::shared_ptr<const T> value_;
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace syncmon
