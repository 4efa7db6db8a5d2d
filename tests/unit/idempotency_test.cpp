#include <doctest/doctest.h>

#include "syncmon/idempotency.h"

namespace syncmon {
namespace {

using Claim = IdempotencyTable::Claim;

TEST_CASE("a key is applied once, then answered from its stored response") {
  IdempotencyTable table;
  const auto print = fingerprint("/api/v1/push", "{}");
  CHECK(table.claim("k1", print, 1000).claim == Claim::kClaimed);
  CHECK(table.claim("k1", print, 1001).claim == Claim::kInFlight);
  table.complete("k1", R"({"accepted":{}})", /*persisted=*/true);
  auto again = table.claim("k1", print, 1002);
  CHECK(again.claim == Claim::kDuplicate);
  CHECK(again.stored_response == R"({"accepted":{}})");
  CHECK(table.claim("k1", fingerprint("/api/v1/push", "{ }"), 1003).claim == Claim::kMismatch);
  CHECK(table.claim("k1", fingerprint("/api/v1/providers/x/metrics", "{}"), 1003).claim == Claim::kMismatch);
  CHECK(table.take_unsaved().empty());  // persisted with the journal already
}

TEST_CASE("a released claim can be made again; expiry forgets old keys") {
  IdempotencyTable table;
  CHECK(table.claim("k", 1, 0).claim == Claim::kClaimed);
  table.release("k");
  CHECK(table.claim("k", 1, 10).claim == Claim::kClaimed);
  table.complete("k", "{}", /*persisted=*/false);
  auto unsaved = table.take_unsaved();
  REQUIRE(unsaved.size() == 1);
  CHECK(unsaved[0].key == "k");
  CHECK(unsaved[0].created_at_unix_ms == 10);
  CHECK(table.take_unsaved().empty());
  CHECK(table.expire(/*now=*/100, /*retention=*/95) == 0);
  CHECK(table.expire(/*now=*/106, /*retention=*/95) == 1);
  CHECK(table.claim("k", 2, 200).claim == Claim::kClaimed);
}

TEST_CASE("keys must be 1..128 printable ASCII characters") {
  CHECK_FALSE(idempotency_key_problem("run-2026-12-04T10:00Z#17").has_value());
  CHECK(idempotency_key_problem("").has_value());
  CHECK(idempotency_key_problem(std::string(129, 'a')).has_value());
  CHECK_FALSE(idempotency_key_problem(std::string(128, 'a')).has_value());
  CHECK(idempotency_key_problem("with space").has_value());
  CHECK(idempotency_key_problem("caf\xC3\xA9").has_value());
}

TEST_CASE("fingerprints are stable across runs") {
  // Stored with the key, so it must never change between builds.
  // FNV-1a 64 of "/api/v1/push", a NUL, and "{}".
  CHECK(fingerprint("/api/v1/push", "{}") == 0x96c95b42bb59f045ULL);
  CHECK(fingerprint("/a", "b") != fingerprint("/ab", ""));
}

}  // namespace
}  // namespace syncmon
