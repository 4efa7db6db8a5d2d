#pragma once
// Answers of the series API that came from the backend, kept for a TTL and within a byte budget
// (least recently used out first). Times are passed in, so it is tested without a clock.
//
// Thread safety: every member takes one mutex; entries are small and operations O(1).

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace syncmon {

class ResponseCache {
 public:
  ResponseCache(std::int64_t ttl_ms, std::size_t max_bytes) : ttl_ms_(ttl_ms), max_bytes_(max_bytes) {}

  std::optional<std::string> get(const std::string& key, std::int64_t now_ms);
  // An answer larger than the whole budget is not kept.
  void put(const std::string& key, std::string value, std::int64_t now_ms);

  std::size_t bytes() const;
  std::size_t size() const;

 private:
  struct Entry {
    std::string key;
    std::string value;
    std::int64_t expires_at_ms;
  };
  static std::size_t cost(const Entry& entry) { return entry.key.size() * 2 + entry.value.size() + 64; }
  void erase(std::list<Entry>::iterator it);  // with mutex_ held

  const std::int64_t ttl_ms_;
  const std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_key_;
  std::size_t bytes_ = 0;
};

}  // namespace syncmon
