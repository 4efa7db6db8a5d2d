#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "syncmon/config.h"

namespace syncmon {
namespace {

std::string error_of(std::string_view yaml) {
  auto config = parse_config(yaml);
  REQUIRE_MESSAGE(!config.has_value(), "accepted: " << yaml);
  return config.error();
}

TEST_CASE("an empty file gives the SPEC's defaults") {
  auto config = parse_config("");
  REQUIRE(config.has_value());
  CHECK(config->listen == "127.0.0.1:9465");
  CHECK(config->data_dir == "/var/lib/syncmon");
  CHECK(config->durability == DurabilityMode::kAck);
  CHECK(config->snapshot_interval == std::chrono::seconds(10));
  CHECK(config->prometheus.url == "http://127.0.0.1:9090");
  CHECK(config->limits.max_body_bytes == 16777216);
  CHECK(config->limits.max_series == 1000000);
  CHECK(config->registry.auto_register);
  CHECK(config->buckets.provider_response_time == default_provider_response_time_bounds());
}

TEST_CASE("the SPEC's full example and the shipped example config load") {
  auto config = parse_config(R"(
listen: 127.0.0.1:9465
data_dir: /var/lib/syncmon
durability: ack
snapshot_interval: 10s
prometheus:
  url: http://127.0.0.1:9090
  timeout: 5s
  cache_ttl: 30s
auth:
  allow_unauthenticated: false
  tokens:
    - {name: platform, sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", role: admin}
    - {name: loja1-portal, sha256: "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752", role: "tenant:loja1"}
    - {name: acme-portal, sha256: "fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13", role: "partner:acme"}
    - {name: loja1-jobs, sha256: "a4e624d686e03ed2767c0abd85c14426b0b1157d2ce81d27bb4fe4f6f01d688a", role: push, scope: ["connection:loja1-products", "provider:vtex"]}
registry:
  auto_register: true
  partners:    [{id: acme, name: ACME Integrations}]
  tenants:     [{id: loja1, name: Loja 1}]
  providers:   [{id: vtex, name: VTEX, partner: acme}, {id: totvs, name: TOTVS, partner: acme}]
  connections: [{id: loja1-products, tenant: loja1, source_provider: totvs,
                 target_provider: vtex, resources: [product, price], expected_interval: 15m}]
limits:
  max_body_bytes: 16777216
  max_series: 1000000
  max_label_value_length: 256
buckets:
  provider_response_time: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
  connection_operation_time: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]
)");
  REQUIRE_MESSAGE(config.has_value(), config.error());
  CHECK(config->auth.tokens.size() == 4);
  CHECK(config->auth.tokens[3].scope == std::vector<std::string>{"connection:loja1-products", "provider:vtex"});
  CHECK(config->registry.connections[0].expected_interval == std::chrono::minutes(15));
  CHECK(config->registry.connections[0].resources == std::vector<std::string>{"product", "price"});
  CHECK(config->registry.providers[1].partner == "acme");

  const char* source_dir = std::getenv("SYNCMON_SOURCE_DIR");
  const std::string example = std::string(source_dir != nullptr ? source_dir : SYNCMON_SOURCE_DIR) + "/config/syncmon.yml";
  auto shipped = load_config_file(example);
  CHECK_MESSAGE(shipped.has_value(), (shipped.has_value() ? "" : shipped.error()));
}

TEST_CASE("every config error names its key") {
  struct Case {
    std::string_view yaml;
    std::string_view starts_with;
  };
  const Case cases[] = {
      {"listne: 127.0.0.1:1", "listne: unknown key"},
      {"prometheus: {url: http://x, timout: 5s}", "prometheus.timout: unknown key"},
      {"durability: sometimes", "durability: \"sometimes\" is not ack or snapshot"},
      {"snapshot_interval: soon", "snapshot_interval: \"soon\" is not a duration"},
      {"snapshot_interval: 0s", "snapshot_interval: must be longer than zero"},
      {"limits: {max_series: many}", "limits.max_series: \"many\" is not a whole number"},
      {"limits: {max_series: 0}", "limits.max_series: must be between 1"},
      {"limits: {max_body_bytes: -5}", "limits.max_body_bytes: must be between"},
      {"limits: 5", "limits: must be a mapping"},
      {"auth: {allow_unauthenticated: maybe}", "auth.allow_unauthenticated: \"maybe\" is not true or false"},
      {"auth: {tokens: [{name: a, sha256: abc, role: admin}]}", "auth.tokens[0].sha256: must be the 64 hex digits"},
      {"auth: {tokens: [{name: a, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, role: root}]}",
       "auth.tokens[0].role: \"root\" is not"},
      {"auth: {tokens: [{name: a, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, role: admin, scope: [provider:x]}]}",
       "auth.tokens[0].scope: only a push token has a scope"},
      {"auth: {tokens: [{name: a, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, role: push, scope: [tenant:x]}]}",
       "auth.tokens[0].scope[0]: \"tenant:x\" is not"},
      {"registry: {providers: [{id: vtex, partner: nobody}]}", "registry.providers[0].partner: \"nobody\" is not in registry.partners"},
      {"registry: {providers: [{id: a}, {id: a}]}", "registry.providers[1].id: \"a\" is listed twice"},
      {"registry: {providers: [{name: nameless}]}", "registry.providers[0].id: is required"},
      {"registry: {connections: [{id: c, target_provider: ghost}]}", "registry.connections[0].target_provider: \"ghost\" is not in registry.providers"},
      {"registry: {connections: [{id: c, expected_interval: 0s}]}", "registry.connections[0].expected_interval: must be longer than zero"},
      {"registry: {connections: [{id: c, resources: product}]}", "registry.connections[0].resources: must be a list"},
      {"buckets: {provider_response_time: [1, 0.5]}", "buckets.provider_response_time: bounds must be strictly increasing"},
      {"buckets: {provider_response_time: [0.1, fast]}", "buckets.provider_response_time[1]: \"fast\" is not a number"},
      {"listen: nowhere", "listen: \"nowhere\" is not host:port"},
      {"listen: 0.0.0.0:9465", "listen: 0.0.0.0:9465 is not a loopback address and no auth.tokens"},
      {"prometheus: {url: ftp://x}", "prometheus.url: \"ftp://x\" is not an http"},
      {"tls: {cert_file: /x.pem}", "tls: cert_file and key_file go together"},
      {"server: {io_threads: 1000}", "server.io_threads: must be between 0"},
      {"log_level: chatty", "log_level: \"chatty\" is not"},
      {"listen: [", "not valid YAML at line 1"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.yaml);
    const std::string error = error_of(c.yaml);
    CHECK_MESSAGE(error.starts_with(c.starts_with), error);
  }
}

TEST_CASE("serving beyond loopback without tokens needs allow_unauthenticated") {
  CHECK(parse_config("listen: 0.0.0.0:9465\nauth: {allow_unauthenticated: true}").has_value());
  CHECK(parse_config("listen: \"[::1]:9465\"").has_value());
  CHECK(parse_config("listen: localhost:0").has_value());
  CHECK(parse_config("listen: 127.0.0.2:9465").has_value());
}

TEST_CASE("a missing file is an error naming the file") {
  auto config = load_config_file("/nonexistent/syncmon.yml");
  REQUIRE_FALSE(config.has_value());
  CHECK(config.error() == "cannot open config file /nonexistent/syncmon.yml");
}

}  // namespace
}  // namespace syncmon
