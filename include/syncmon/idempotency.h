#pragma once
// Idempotency-Key bookkeeping (SPEC 3.1): a key seen within the retention window gets the
// original response back instead of being applied again.
//
// Thread safety: every member locks `mutex_`. Only pushes that carry a key come here.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace syncmon {

// Stable across builds and machines: it is stored with the key.
std::uint64_t fingerprint(std::string_view route, std::string_view body);

// 1..128 printable ASCII characters, or why not.
std::optional<std::string> idempotency_key_problem(std::string_view key);

struct IdempotencyRecord {
  std::string key;
  std::uint64_t fingerprint = 0;  // of the route and body the key was first used with
  std::string response;           // the original response body
  std::int64_t created_at_unix_ms = 0;
};

class IdempotencyTable {
 public:
  enum class Claim {
    kClaimed,    // new: the caller applies the push, then complete() or release()
    kDuplicate,  // applied before: answer with the stored response
    kInFlight,   // the same key is being applied right now
    kMismatch,   // the key was used with another body or route
  };
  struct ClaimResult {
    Claim claim;
    std::string stored_response;  // with kDuplicate
  };

  ClaimResult claim(const std::string& key, std::uint64_t fingerprint, std::int64_t now_unix_ms);
  // The push was applied: remember its response. `persisted`: it is already in storage (it was
  // committed with the journal record), so take_unsaved() need not hand it out.
  void complete(const std::string& key, std::string response, bool persisted);
  // The push was not applied: forget the claim.
  void release(const std::string& key);
  // Records that may be forgotten: older than `retention_ms`. Returns how many were dropped.
  std::size_t expire(std::int64_t now_unix_ms, std::int64_t retention_ms);

  // Recovery: completed records from storage.
  void load(std::vector<IdempotencyRecord> records);
  // Completed records not yet handed out by this call (for snapshot persistence).
  std::vector<IdempotencyRecord> take_unsaved();
  std::size_t size() const;

 private:
  struct Entry {
    std::uint64_t fingerprint = 0;
    std::string response;
    std::int64_t created_at_unix_ms = 0;
    bool completed = false;
    bool saved = false;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mutex_
};

}  // namespace syncmon
