#include "syncmon/access_policy.h"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace syncmon {
namespace {

ApiError unauthorized(std::string message) { return {401, std::move(message), "Authorization", "unauthorized"}; }

bool in(const std::vector<std::string>& ids, std::string_view id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0 || text.size() > 4096) {
    return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (written < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t size = static_cast<std::size_t>(written);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && size > 0; --i) {
    --size;
  }
  out.resize(size);
  return out;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char lower, char c) { return std::tolower(static_cast<unsigned char>(c)) == lower; });
}

Principal principal_of(const TokenConfig& token) {
  Principal principal;
  principal.name = token.name;
  if (token.role == "admin") {
    principal.role = Role::kAdmin;
  } else if (token.role == "push") {
    principal.role = Role::kPush;
    for (const auto& entry : token.scope) {
      const auto colon = entry.find(':');
      auto& list = entry.starts_with("connection:") ? principal.scope_connections : principal.scope_providers;
      list.push_back(entry.substr(colon + 1));
    }
  } else {
    const auto colon = token.role.find(':');
    principal.role = token.role.starts_with("tenant:") ? Role::kTenant : Role::kPartner;
    principal.id = token.role.substr(colon + 1);
  }
  return principal;
}

Sha256Digest digest_from_hex(std::string_view hex) {
  Sha256Digest digest{};
  const auto nibble = [](char c) { return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
  for (std::size_t i = 0; i < digest.size(); ++i) {
    digest[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return digest;
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
  Sha256Digest digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return digest;
}

bool Principal::may_push_provider(std::string_view provider, std::string_view connection) const {
  if (role == Role::kAdmin || (role == Role::kPush && !push_scoped())) {
    return true;
  }
  return role == Role::kPush &&
         (in(scope_providers, provider) || (!connection.empty() && in(scope_connections, connection)));
}

bool Principal::may_push_connection(std::string_view connection) const {
  if (role == Role::kAdmin || (role == Role::kPush && !push_scoped())) {
    return true;
  }
  return role == Role::kPush && in(scope_connections, connection);
}

AccessPolicy::AccessPolicy(const Config::Auth& auth) : protect_metrics_(auth.protect_metrics) {
  tokens_.reserve(auth.tokens.size());
  for (const auto& token : auth.tokens) {  // the config loader checked the hex and the roles
    tokens_.push_back({digest_from_hex(token.sha256), principal_of(token)});
  }
}

Expected<Principal, ApiError> AccessPolicy::authenticate(std::string_view authorization) const {
  if (tokens_.empty()) {
    return Principal{"anonymous", Role::kAdmin, {}, {}, {}};
  }
  if (authorization.empty()) {
    return unexpected(unauthorized("this endpoint needs a token: send Authorization: Bearer <token>"));
  }
  std::string secret;
  if (starts_with_ignoring_case(authorization, "bearer ")) {
    secret.assign(authorization.substr(7));
  } else if (starts_with_ignoring_case(authorization, "basic ")) {
    // The Prometheus clients' push functions send basic auth: any user name, the token as password.
    auto decoded = decode_base64(authorization.substr(6));
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      return unexpected(unauthorized("the Basic credentials are not base64 of user:token"));
    }
    secret = decoded->substr(colon + 1);
  } else {
    return unexpected(unauthorized("the Authorization header is neither Bearer nor Basic"));
  }
  const Sha256Digest presented = sha256(secret);
  // Every configured hash is compared, whatever matched before.
  const Token* match = nullptr;
  for (const auto& token : tokens_) {
    const bool equal = CRYPTO_memcmp(token.digest.data(), presented.data(), presented.size()) == 0;
    match = equal ? &token : match;
  }
  if (match == nullptr) {
    return unexpected(unauthorized("the token is not known"));
  }
  return match->principal;
}

std::optional<ApiError> AccessPolicy::authorize(const Principal& principal, Permission permission) {
  switch (permission) {
    case Permission::kOpen:
      return std::nullopt;
    case Permission::kMetrics:  // reached only when protected: as kRead
    case Permission::kRead:
      if (principal.role == Role::kPush) {
        return forbidden("a push token may only push");
      }
      return std::nullopt;
    case Permission::kPush:
      if (principal.role == Role::kTenant || principal.role == Role::kPartner) {
        return forbidden("this token may read, not push");
      }
      return std::nullopt;
    case Permission::kAdmin:
      if (!principal.is_admin()) {
        return forbidden("this needs an admin token");
      }
      return std::nullopt;
  }
  return forbidden("unknown permission");
}

ApiError forbidden(std::string message) { return {403, std::move(message), "", "forbidden"}; }

}  // namespace syncmon
