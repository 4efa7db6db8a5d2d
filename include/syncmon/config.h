#pragma once
// The YAML configuration of SPEC section 7, parsed and validated: an unknown key, a wrong type or
// an impossible value is an error that names the key ("registry.providers[1].partner: ...").

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "syncmon/buckets.h"
#include "syncmon/duration.h"
#include "syncmon/expected.h"

namespace syncmon {

enum class DurabilityMode { kAck, kSnapshot };

struct TokenConfig {
  std::string name;
  std::string sha256;  // lowercase hex of sha256(token)
  std::string role;    // admin | tenant:<id> | partner:<id> | push
  std::vector<std::string> scope;  // push only: "connection:<id>" | "provider:<id>"
};

struct PartnerConfig {
  std::string id;
  std::string name;
};

struct TenantConfig {
  std::string id;
  std::string name;
};

struct ProviderConfig {
  std::string id;
  std::string name;
  std::string partner;  // empty: none
};

struct ConnectionConfig {
  std::string id;
  std::string tenant;
  std::string source_provider;
  std::string target_provider;
  std::vector<std::string> resources;
  std::optional<Duration> expected_interval;
};

struct Config {
  std::string listen = "127.0.0.1:9465";
  std::string data_dir = "/var/lib/syncmon";
  std::string log_level = "info";
  DurabilityMode durability = DurabilityMode::kAck;
  Duration snapshot_interval = std::chrono::seconds(10);
  // How long an Idempotency-Key is remembered.
  Duration idempotency_retention = std::chrono::hours(24);

  struct Prometheus {
    std::string url = "http://127.0.0.1:9090";
    Duration timeout = std::chrono::seconds(5);
    Duration cache_ttl = std::chrono::seconds(30);
    std::size_t cache_max_bytes = 32 * 1024 * 1024;
    // Consecutive failed backend calls that open the circuit breaker, and how long it stays open
    // before one trial call may close it again.
    unsigned breaker_failures = 5;
    Duration breaker_open_for = std::chrono::seconds(30);
  } prometheus;

  // When an entity's health is degraded or down (SPEC 3.4): by the share of failed requests in
  // the listing's window. Providers without a connection's expected_interval are stale after
  // provider_stale_after without a push.
  struct Health {
    double degraded_error_ratio = 0.05;
    double down_error_ratio = 0.5;
    Duration provider_stale_after = std::chrono::hours(1);
  } health;

  // The daemon's own recent history, the fallback of the series API and the source of the
  // listings' summaries: one sample every `resolution`, kept for `retention` within `max_bytes`.
  struct History {
    Duration resolution = std::chrono::seconds(10);
    Duration retention = std::chrono::hours(6);
    std::size_t max_bytes = 64 * 1024 * 1024;
  } history;

  struct Auth {
    bool allow_unauthenticated = false;
    // /metrics needs a token (any role but push) like the read API does.
    bool protect_metrics = false;
    std::vector<TokenConfig> tokens;
  } auth;

  struct Tls {
    std::string cert_file;
    std::string key_file;
  } tls;

  struct Registry {
    bool auto_register = true;
    std::vector<PartnerConfig> partners;
    std::vector<TenantConfig> tenants;
    std::vector<ProviderConfig> providers;
    std::vector<ConnectionConfig> connections;
  } registry;

  struct Pushgateway {
    // Groups not pushed to for this long are dropped; 0 keeps them for ever (the Pushgateway's way).
    Duration group_ttl{0};
    // The Pushgateway's --push.disable-consistency-check, inverted.
    bool consistency_check = true;
  } pushgateway;

  struct Limits {
    std::size_t max_body_bytes = 16 * 1024 * 1024;
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_series = 1'000'000;
    std::size_t max_label_value_length = 256;
    std::size_t max_labels_per_series = 64;
    std::size_t max_connections = 1024;
    // A request must arrive whole within this time once its first byte has come.
    Duration request_timeout = std::chrono::seconds(30);
    // A kept-alive connection with no request in flight is closed after this.
    Duration idle_timeout = std::chrono::seconds(120);
  } limits;

  struct Buckets {
    std::vector<double> provider_response_time = default_provider_response_time_bounds();
    std::vector<double> connection_operation_time = default_connection_operation_time_bounds();
  } buckets;

  struct Server {
    unsigned io_threads = 0;  // 0: one per hardware thread
    // On SIGTERM, in-flight requests get this long to finish before the process exits.
    Duration shutdown_timeout = std::chrono::seconds(10);
  } server;
};

// Parses YAML text into a Config (defaults for what is absent). Errors name the key.
Expected<Config, std::string> parse_config(std::string_view yaml_text);
// Reads and parses a file; errors name the file and the key.
Expected<Config, std::string> load_config_file(const std::string& path);
// Cross-field rules that flags may change after parsing (listen vs. tokens, registry references).
std::optional<std::string> validate_config(const Config& config);

}  // namespace syncmon
