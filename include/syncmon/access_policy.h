#pragma once
// SPEC section 4: who a request comes from and what it may do. Tokens are configured as SHA-256
// hashes; a presented token is hashed and compared with every configured hash in constant time,
// so neither the comparison nor the order of the list tells an attacker how close a guess was.
//
// Thread safety: immutable once built; the daemon swaps a whole new policy on SIGHUP.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "syncmon/api_error.h"
#include "syncmon/config.h"
#include "syncmon/expected.h"

namespace syncmon {

enum class Role { kAdmin, kTenant, kPartner, kPush };

// What a route needs.
enum class Permission {
  kOpen,     // /-/healthy, /-/ready, the OpenAPI document: no token needed
  kMetrics,  // /metrics: open, unless auth.protect_metrics makes it kRead
  kRead,     // listings, series, status: any valid token; results filtered to its scope
  kPush,   // pushes: admin or push tokens, the latter within their scope
  kAdmin,  // registry changes, wipe, group deletion
};

struct Principal {
  std::string name;  // the token's name, for logs; "anonymous" when no tokens are configured
  Role role = Role::kAdmin;
  std::string id;    // tenant or partner id for those roles
  // Push tokens: the connections and providers they may push for; both empty: any.
  std::vector<std::string> scope_connections;
  std::vector<std::string> scope_providers;

  bool is_admin() const { return role == Role::kAdmin; }
  bool push_scoped() const { return !scope_connections.empty() || !scope_providers.empty(); }
  // A push token may push a provider entry when the entry's provider or its connection is in
  // scope, and a connection entry when its connection is.
  bool may_push_provider(std::string_view provider, std::string_view connection) const;
  bool may_push_connection(std::string_view connection) const;
};

using Sha256Digest = std::array<std::uint8_t, 32>;
Sha256Digest sha256(std::string_view data);

class AccessPolicy {
 public:
  AccessPolicy() = default;  // no tokens: everyone is admin
  explicit AccessPolicy(const Config::Auth& auth);

  // With no tokens configured there is nothing to check (the listen rule keeps such a daemon on
  // loopback unless the admin allowed otherwise).
  bool enabled() const { return !tokens_.empty(); }
  bool protect_metrics() const { return protect_metrics_; }

  // The caller behind an Authorization header value (absent: empty). `Bearer <token>` or
  // `Basic base64(user:token)` with any user name. 401 when missing, malformed or unknown.
  Expected<Principal, ApiError> authenticate(std::string_view authorization) const;

  // 403 when the principal's role does not grant the permission at all. Scope (which entities)
  // is checked by the handlers, which know the entities.
  static std::optional<ApiError> authorize(const Principal& principal, Permission permission);

 private:
  struct Token {
    Sha256Digest digest;
    Principal principal;
  };
  std::vector<Token> tokens_;
  bool protect_metrics_ = false;
};

ApiError forbidden(std::string message);

}  // namespace syncmon
