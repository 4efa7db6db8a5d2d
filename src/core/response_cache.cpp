#include "syncmon/response_cache.h"

namespace syncmon {

std::optional<std::string> ResponseCache::get(const std::string& key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  const auto found = by_key_.find(key);
  if (found == by_key_.end()) {
    return std::nullopt;
  }
  const auto it = found->second;
  if (it->expires_at_ms <= now_ms) {
    erase(it);
    return std::nullopt;
  }
  entries_.splice(entries_.begin(), entries_, it);
  return it->value;
}

void ResponseCache::put(const std::string& key, std::string value, std::int64_t now_ms) {
  if (ttl_ms_ <= 0) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (const auto found = by_key_.find(key); found != by_key_.end()) {
    erase(found->second);
  }
  Entry entry{key, std::move(value), now_ms + ttl_ms_};
  if (cost(entry) > max_bytes_) {
    return;
  }
  bytes_ += cost(entry);
  entries_.push_front(std::move(entry));
  by_key_[key] = entries_.begin();
  while (bytes_ > max_bytes_) {
    erase(std::prev(entries_.end()));
  }
}

void ResponseCache::erase(std::list<Entry>::iterator it) {
  bytes_ -= cost(*it);
  by_key_.erase(it->key);
  entries_.erase(it);
}

std::size_t ResponseCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t ResponseCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace syncmon
