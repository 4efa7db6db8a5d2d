#include "syncmon/idempotency.h"

namespace syncmon {

std::uint64_t fingerprint(std::string_view route, std::string_view body) {
  // FNV-1a, 64 bit, over the route, a separator, and the body.
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  const auto mix = [&hash](std::string_view bytes) {
    for (char c : bytes) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 0x100000001b3ULL;
    }
  };
  mix(route);
  mix(std::string_view("\0", 1));
  mix(body);
  return hash;
}

std::optional<std::string> idempotency_key_problem(std::string_view key) {
  if (key.empty() || key.size() > 128) {
    return std::string("Idempotency-Key must be 1 to 128 characters long");
  }
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) {
      return std::string("Idempotency-Key must be printable ASCII without spaces");
    }
  }
  return std::nullopt;
}

IdempotencyTable::ClaimResult IdempotencyTable::claim(const std::string& key, std::uint64_t fingerprint,
                                                      std::int64_t now_unix_ms) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& entry = it->second;
  if (inserted) {
    entry.fingerprint = fingerprint;
    entry.created_at_unix_ms = now_unix_ms;
    return {Claim::kClaimed, {}};
  }
  if (entry.fingerprint != fingerprint) {
    return {Claim::kMismatch, {}};
  }
  if (!entry.completed) {
    return {Claim::kInFlight, {}};
  }
  return {Claim::kDuplicate, entry.response};
}

void IdempotencyTable::complete(const std::string& key, std::string response, bool persisted) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    it->second.response = std::move(response);
    it->second.completed = true;
    it->second.saved = persisted;
  }
}

void IdempotencyTable::release(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end() && !it->second.completed) {
    entries_.erase(it);
  }
}

std::size_t IdempotencyTable::expire(std::int64_t now_unix_ms, std::int64_t retention_ms) {
  std::lock_guard lock(mutex_);
  return std::erase_if(entries_, [&](const auto& item) {
    return item.second.completed && item.second.created_at_unix_ms < now_unix_ms - retention_ms;
  });
}

void IdempotencyTable::load(std::vector<IdempotencyRecord> records) {
  std::lock_guard lock(mutex_);
  for (auto& record : records) {
    Entry& entry = entries_[record.key];
    entry.fingerprint = record.fingerprint;
    entry.response = std::move(record.response);
    entry.created_at_unix_ms = record.created_at_unix_ms;
    entry.completed = true;
    entry.saved = true;
  }
}

std::vector<IdempotencyRecord> IdempotencyTable::take_unsaved() {
  std::lock_guard lock(mutex_);
  std::vector<IdempotencyRecord> unsaved;
  for (auto& [key, entry] : entries_) {
    if (entry.completed && !entry.saved) {
      unsaved.push_back({key, entry.fingerprint, entry.response, entry.created_at_unix_ms});
      entry.saved = true;
    }
  }
  return unsaved;
}

std::size_t IdempotencyTable::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace syncmon
