#include <doctest/doctest.h>

#include <fmt/format.h>

#include "syncmon/access_policy.h"

namespace syncmon {
namespace {

std::string hex(const Sha256Digest& digest) {
  std::string out;
  for (const auto byte : digest) {
    out += fmt::format("{:02x}", byte);
  }
  return out;
}

Config::Auth auth_with_tokens() {
  Config::Auth auth;
  auth.tokens = {
      {"platform", hex(sha256("admin-secret")), "admin", {}},
      {"loja1-portal", hex(sha256("tenant-secret")), "tenant:loja1", {}},
      {"acme-portal", hex(sha256("partner-secret")), "partner:acme", {}},
      {"loja1-jobs", hex(sha256("push-secret")), "push", {"connection:loja1-products", "provider:vtex"}},
      {"any-jobs", hex(sha256("any-push")), "push", {}},
  };
  return auth;
}

TEST_CASE("sha256 matches the known digest of the empty string and of abc") {
  CHECK(hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("without tokens everyone is admin") {
  const AccessPolicy open;
  CHECK_FALSE(open.enabled());
  auto caller = open.authenticate("");
  REQUIRE(caller);
  CHECK(caller->is_admin());
}

TEST_CASE("Bearer and Basic carry the token; anything else is 401") {
  const AccessPolicy policy(auth_with_tokens());
  auto admin = policy.authenticate("Bearer admin-secret");
  REQUIRE(admin);
  CHECK(admin->name == "platform");
  CHECK(admin->is_admin());
  CHECK(policy.authenticate("bearer admin-secret"));  // the scheme is case-insensitive

  // base64("job:tenant-secret"): any user name, the token as password.
  auto tenant = policy.authenticate("Basic am9iOnRlbmFudC1zZWNyZXQ=");
  REQUIRE(tenant);
  CHECK(tenant->role == Role::kTenant);
  CHECK(tenant->id == "loja1");

  for (const std::string_view bad : {"", "Bearer", "Bearer wrong", "Token admin-secret", "Basic !!!!",
                                     "Basic YWRtaW4tc2VjcmV0",  // no colon
                                     "Bearer admin-secret "}) {
    auto refused = policy.authenticate(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().status == 401);
    CHECK(refused.error().path == "Authorization");
  }
}

TEST_CASE("roles grant permissions as SPEC 4 says") {
  const AccessPolicy policy(auth_with_tokens());
  const auto who = [&](std::string_view token) { return *policy.authenticate(fmt::format("Bearer {}", token)); };
  const Principal admin = who("admin-secret");
  const Principal tenant = who("tenant-secret");
  const Principal partner = who("partner-secret");
  const Principal pusher = who("push-secret");

  for (const auto permission : {Permission::kOpen, Permission::kRead, Permission::kPush, Permission::kAdmin}) {
    CHECK_FALSE(AccessPolicy::authorize(admin, permission));
  }
  CHECK_FALSE(AccessPolicy::authorize(tenant, Permission::kRead));
  CHECK(AccessPolicy::authorize(tenant, Permission::kPush)->status == 403);
  CHECK(AccessPolicy::authorize(partner, Permission::kAdmin)->status == 403);
  CHECK(AccessPolicy::authorize(pusher, Permission::kRead)->status == 403);
  CHECK_FALSE(AccessPolicy::authorize(pusher, Permission::kPush));
  CHECK(AccessPolicy::authorize(pusher, Permission::kAdmin)->status == 403);
}

TEST_CASE("a scoped push token pushes only for its connections and providers") {
  const AccessPolicy policy(auth_with_tokens());
  const Principal scoped = *policy.authenticate("Bearer push-secret");
  CHECK(scoped.push_scoped());
  CHECK(scoped.may_push_provider("vtex", ""));
  CHECK(scoped.may_push_provider("totvs", "loja1-products"));  // through its connection
  CHECK_FALSE(scoped.may_push_provider("totvs", ""));
  CHECK_FALSE(scoped.may_push_provider("totvs", "loja2-products"));
  CHECK(scoped.may_push_connection("loja1-products"));
  CHECK_FALSE(scoped.may_push_connection("loja2-products"));

  const Principal any = *policy.authenticate("Bearer any-push");
  CHECK_FALSE(any.push_scoped());
  CHECK(any.may_push_provider("anything", ""));
  CHECK(any.may_push_connection("anything"));

  const Principal tenant = *policy.authenticate("Bearer tenant-secret");
  CHECK_FALSE(tenant.may_push_connection("loja1-products"));
}

}  // namespace
}  // namespace syncmon
