#include "syncmon/config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "syncmon/label_rules.h"
#include "syncmon/listen_address.h"

namespace syncmon {
namespace {


// A config error: the message already names the key.
struct ConfigError {
  std::string message;
};

[[noreturn]] void reject(const std::string& key, const std::string& problem) {
  throw ConfigError{fmt::format("{}: {}", key, problem)};
}

std::string child_key(const std::string& parent, std::string_view name) {
  return parent.empty() ? std::string(name) : fmt::format("{}.{}", parent, name);
}

std::string item_key(const std::string& parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

// Walks one YAML mapping: every key must be read exactly through these accessors, and
// finish() rejects whatever was not.
class MappingReader {
 public:
  MappingReader(YAML::Node node, std::string key) : node_(std::move(node)), key_(std::move(key)) {
    if (node_.IsDefined() && !node_.IsMap() && !node_.IsNull()) {
      reject(key_.empty() ? "(top level)" : key_, "must be a mapping");
    }
  }

  const std::string& key() const { return key_; }
  std::string key_of(std::string_view name) const { return child_key(key_, name); }

  // The child node, or an undefined node when absent; marks the key as known.
  YAML::Node take(std::string_view name) {
    known_.emplace(name);
    if (!node_.IsDefined() || !node_.IsMap()) {
      return YAML::Node(YAML::NodeType::Undefined);
    }
    // A missing key yields an invalid node on which most calls throw; hand out a plain
    // undefined node instead.
    YAML::Node child = node_[std::string(name)];
    return child.IsDefined() ? child : YAML::Node(YAML::NodeType::Undefined);
  }

  void finish() const {
    if (!node_.IsDefined() || !node_.IsMap()) {
      return;
    }
    for (const auto& item : node_) {
      const std::string name = item.first.Scalar();
      if (!known_.contains(name)) {
        reject(key_of(name), "unknown key");
      }
    }
  }

  template <typename T>
  void read_scalar(std::string_view name, T& out) {
    YAML::Node child = take(name);
    if (child.IsDefined() && !child.IsNull()) {
      out = scalar_as<T>(child, key_of(name));
    }
  }

  void read_duration(std::string_view name, Duration& out, bool zero_allowed = false) {
    YAML::Node child = take(name);
    if (!child.IsDefined() || child.IsNull()) {
      return;
    }
    out = duration_of(child, key_of(name));
    if (!zero_allowed && out.count() <= 0) {
      reject(key_of(name), "must be longer than zero");
    }
  }

  void read_size(std::string_view name, std::size_t& out, std::size_t minimum, std::size_t maximum) {
    YAML::Node child = take(name);
    if (!child.IsDefined() || child.IsNull()) {
      return;
    }
    const auto value = scalar_as<long long>(child, key_of(name));
    if (value < static_cast<long long>(minimum) || static_cast<unsigned long long>(value) > maximum) {
      reject(key_of(name), fmt::format("must be between {} and {}, not {}", minimum, maximum, value));
    }
    out = static_cast<std::size_t>(value);
  }

  template <typename T>
  static T scalar_as(const YAML::Node& node, const std::string& key) {
    if (!node.IsScalar()) {
      reject(key, "must be a single value");
    }
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      reject(key, fmt::format("\"{}\" is not {}", node.Scalar(), type_name<T>()));
    }
  }

  static Duration duration_of(const YAML::Node& node, const std::string& key) {
    if (!node.IsScalar()) {
      reject(key, "must be a duration such as 10s, 15m or 1h30m");
    }
    auto parsed = parse_duration(node.Scalar());
    if (!parsed) {
      reject(key, fmt::format("\"{}\" is not a duration such as 10s, 15m or 1h30m", node.Scalar()));
    }
    return *parsed;
  }

 private:
  template <typename T>
  static constexpr std::string_view type_name() {
    if constexpr (std::is_same_v<T, bool>) {
      return "true or false";
    } else if constexpr (std::is_integral_v<T>) {
      return "a whole number";
    } else if constexpr (std::is_floating_point_v<T>) {
      return "a number";
    } else {
      return "a string";
    }
  }

  const YAML::Node node_;  // a handle; const so that lookups never insert keys
  std::string key_;
  std::set<std::string, std::less<>> known_;
};

template <typename Item, typename ReadItem>
void read_list(MappingReader& parent, std::string_view name, std::vector<Item>& out, ReadItem read_item) {
  YAML::Node list = parent.take(name);
  const std::string key = parent.key_of(name);
  if (!list.IsDefined() || list.IsNull()) {
    return;
  }
  if (!list.IsSequence()) {
    reject(key, "must be a list");
  }
  out.clear();
  for (std::size_t i = 0; i < list.size(); ++i) {
    out.push_back(read_item(list[i], item_key(key, i)));
  }
}

std::string read_id(MappingReader& reader, std::string_view name, bool required) {
  std::string value;
  reader.read_scalar(name, value);
  if (value.empty()) {
    if (required) {
      reject(reader.key_of(name), "is required");
    }
    return value;
  }
  if (auto problem = entity_id_problem(value)) {
    reject(reader.key_of(name), *problem);
  }
  return value;
}

std::vector<double> read_bounds(const YAML::Node& node, const std::string& key) {
  if (!node.IsSequence()) {
    reject(key, "must be a list of numbers");
  }
  std::vector<double> bounds;
  for (std::size_t i = 0; i < node.size(); ++i) {
    bounds.push_back(MappingReader::scalar_as<double>(node[i], item_key(key, i)));
  }
  if (auto problem = BucketLayout::check(bounds)) {
    reject(key, *problem);
  }
  return bounds;
}

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

TokenConfig read_token(const YAML::Node& node, const std::string& key) {
  MappingReader reader(node, key);
  TokenConfig token;
  token.name = read_id(reader, "name", true);
  reader.read_scalar("sha256", token.sha256);
  std::transform(token.sha256.begin(), token.sha256.end(), token.sha256.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (token.sha256.size() != 64 || !is_lower_hex(token.sha256)) {
    reject(reader.key_of("sha256"), "must be the 64 hex digits of sha256(token)");
  }
  reader.read_scalar("role", token.role);
  const bool scoped_role = token.role.starts_with("tenant:") || token.role.starts_with("partner:");
  if (token.role != "admin" && token.role != "push" && !scoped_role) {
    reject(reader.key_of("role"), fmt::format("\"{}\" is not admin, push, tenant:<id> or partner:<id>", token.role));
  }
  if (scoped_role && token.role.substr(token.role.find(':') + 1).empty()) {
    reject(reader.key_of("role"), "names no id after the colon");
  }
  YAML::Node scope = reader.take("scope");
  if (scope.IsDefined() && !scope.IsNull()) {
    if (token.role != "push") {
      reject(reader.key_of("scope"), "only a push token has a scope");
    }
    if (!scope.IsSequence()) {
      reject(reader.key_of("scope"), "must be a list");
    }
    for (std::size_t i = 0; i < scope.size(); ++i) {
      const std::string item = item_key(reader.key_of("scope"), i);
      auto entry = MappingReader::scalar_as<std::string>(scope[i], item);
      const bool known_kind = entry.starts_with("connection:") || entry.starts_with("provider:");
      if (!known_kind || entry.substr(entry.find(':') + 1).empty()) {
        reject(item, fmt::format("\"{}\" is not connection:<id> or provider:<id>", entry));
      }
      token.scope.push_back(entry);
    }
  }
  reader.finish();
  return token;
}

Config read_config(const YAML::Node& root) {
  Config config;
  MappingReader top(root, "");
  top.read_scalar("listen", config.listen);
  top.read_scalar("data_dir", config.data_dir);
  top.read_scalar("log_level", config.log_level);
  std::string durability = "ack";
  top.read_scalar("durability", durability);
  if (durability == "ack") {
    config.durability = DurabilityMode::kAck;
  } else if (durability == "snapshot") {
    config.durability = DurabilityMode::kSnapshot;
  } else {
    reject("durability", fmt::format("\"{}\" is not ack or snapshot", durability));
  }
  top.read_duration("snapshot_interval", config.snapshot_interval);
  top.read_duration("idempotency_retention", config.idempotency_retention);

  {
    MappingReader prometheus(top.take("prometheus"), "prometheus");
    prometheus.read_scalar("url", config.prometheus.url);
    prometheus.read_duration("timeout", config.prometheus.timeout);
    prometheus.read_duration("cache_ttl", config.prometheus.cache_ttl, /*zero_allowed=*/true);
    prometheus.read_scalar("cache_max_bytes", config.prometheus.cache_max_bytes);
    prometheus.read_scalar("breaker_failures", config.prometheus.breaker_failures);
    if (config.prometheus.breaker_failures == 0) {
      reject("prometheus.breaker_failures", "must be at least 1");
    }
    prometheus.read_duration("breaker_open_for", config.prometheus.breaker_open_for);
    prometheus.finish();
  }
  {
    MappingReader auth(top.take("auth"), "auth");
    auth.read_scalar("allow_unauthenticated", config.auth.allow_unauthenticated);
    auth.read_scalar("protect_metrics", config.auth.protect_metrics);
    read_list(auth, "tokens", config.auth.tokens, read_token);
    auth.finish();
  }
  {
    MappingReader health(top.take("health"), "health");
    health.read_scalar("degraded_error_ratio", config.health.degraded_error_ratio);
    health.read_scalar("down_error_ratio", config.health.down_error_ratio);
    health.read_duration("provider_stale_after", config.health.provider_stale_after);
    health.finish();
    for (const auto& [key, ratio] : {std::pair{"health.degraded_error_ratio", config.health.degraded_error_ratio},
                                     std::pair{"health.down_error_ratio", config.health.down_error_ratio}}) {
      if (!(ratio > 0 && ratio <= 1)) {
        reject(key, "must be a ratio above 0 and at most 1");
      }
    }
    if (config.health.degraded_error_ratio > config.health.down_error_ratio) {
      reject("health.degraded_error_ratio", "must not be above health.down_error_ratio");
    }
  }
  {
    MappingReader history(top.take("history"), "history");
    history.read_duration("resolution", config.history.resolution);
    history.read_duration("retention", config.history.retention);
    history.read_scalar("max_bytes", config.history.max_bytes);
    history.finish();
    if (config.history.retention < config.history.resolution) {
      reject("history.retention", "must not be shorter than history.resolution");
    }
  }
  {
    MappingReader tls(top.take("tls"), "tls");
    tls.read_scalar("cert_file", config.tls.cert_file);
    tls.read_scalar("key_file", config.tls.key_file);
    tls.finish();
  }
  {
    MappingReader registry(top.take("registry"), "registry");
    registry.read_scalar("auto_register", config.registry.auto_register);
    read_list(registry, "partners", config.registry.partners, [](const YAML::Node& node, const std::string& key) {
      MappingReader reader(node, key);
      PartnerConfig partner{read_id(reader, "id", true), ""};
      reader.read_scalar("name", partner.name);
      reader.finish();
      return partner;
    });
    read_list(registry, "tenants", config.registry.tenants, [](const YAML::Node& node, const std::string& key) {
      MappingReader reader(node, key);
      TenantConfig tenant{read_id(reader, "id", true), ""};
      reader.read_scalar("name", tenant.name);
      reader.finish();
      return tenant;
    });
    read_list(registry, "providers", config.registry.providers, [](const YAML::Node& node, const std::string& key) {
      MappingReader reader(node, key);
      ProviderConfig provider;
      provider.id = read_id(reader, "id", true);
      reader.read_scalar("name", provider.name);
      provider.partner = read_id(reader, "partner", false);
      reader.finish();
      return provider;
    });
    read_list(registry, "connections", config.registry.connections, [](const YAML::Node& node, const std::string& key) {
      MappingReader reader(node, key);
      ConnectionConfig connection;
      connection.id = read_id(reader, "id", true);
      connection.tenant = read_id(reader, "tenant", false);
      connection.source_provider = read_id(reader, "source_provider", false);
      connection.target_provider = read_id(reader, "target_provider", false);
      YAML::Node resources = reader.take("resources");
      if (resources.IsDefined() && !resources.IsNull()) {
        if (!resources.IsSequence()) {
          reject(reader.key_of("resources"), "must be a list");
        }
        for (std::size_t i = 0; i < resources.size(); ++i) {
          const std::string item = item_key(reader.key_of("resources"), i);
          auto resource = MappingReader::scalar_as<std::string>(resources[i], item);
          if (auto problem = entity_id_problem(resource)) {
            reject(item, *problem);
          }
          connection.resources.push_back(resource);
        }
      }
      Duration interval{0};
      YAML::Node interval_node = reader.take("expected_interval");
      if (interval_node.IsDefined() && !interval_node.IsNull()) {
        interval = MappingReader::duration_of(interval_node, reader.key_of("expected_interval"));
        if (interval.count() <= 0) {
          reject(reader.key_of("expected_interval"), "must be longer than zero");
        }
        connection.expected_interval = interval;
      }
      reader.finish();
      return connection;
    });
    registry.finish();
  }
  {
    MappingReader pushgateway(top.take("pushgateway"), "pushgateway");
    pushgateway.read_duration("group_ttl", config.pushgateway.group_ttl, /*zero_allowed=*/true);
    pushgateway.read_scalar("consistency_check", config.pushgateway.consistency_check);
    pushgateway.finish();
  }
  {
    MappingReader limits(top.take("limits"), "limits");
    constexpr std::size_t kGiB = std::size_t{1} << 30;
    limits.read_size("max_body_bytes", config.limits.max_body_bytes, 1024, kGiB);
    limits.read_size("max_header_bytes", config.limits.max_header_bytes, 1024, 1024 * 1024);
    limits.read_size("max_series", config.limits.max_series, 1, 100'000'000);
    limits.read_size("max_label_value_length", config.limits.max_label_value_length, 1, 65536);
    limits.read_size("max_labels_per_series", config.limits.max_labels_per_series, 1, 1024);
    limits.read_size("max_connections", config.limits.max_connections, 1, 1'000'000);
    limits.read_duration("request_timeout", config.limits.request_timeout);
    limits.read_duration("idle_timeout", config.limits.idle_timeout);
    limits.finish();
  }
  {
    MappingReader buckets(top.take("buckets"), "buckets");
    if (YAML::Node node = buckets.take("provider_response_time"); node.IsDefined() && !node.IsNull()) {
      config.buckets.provider_response_time = read_bounds(node, buckets.key_of("provider_response_time"));
    }
    if (YAML::Node node = buckets.take("connection_operation_time"); node.IsDefined() && !node.IsNull()) {
      config.buckets.connection_operation_time =
          read_bounds(node, buckets.key_of("connection_operation_time"));
    }
    buckets.finish();
  }
  {
    MappingReader server(top.take("server"), "server");
    long long threads = 0;
    server.read_scalar("io_threads", threads);
    if (threads < 0 || threads > 256) {
      reject("server.io_threads", "must be between 0 (one per core) and 256");
    }
    config.server.io_threads = static_cast<unsigned>(threads);
    server.read_duration("shutdown_timeout", config.server.shutdown_timeout);
    server.finish();
  }
  top.finish();
  return config;
}

template <typename Item>
std::optional<std::string> duplicate_id(const std::vector<Item>& items, std::string_view list_key) {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!seen.insert(items[i].id).second) {
      return fmt::format("{}[{}].id: \"{}\" is listed twice", list_key, i, items[i].id);
    }
  }
  return std::nullopt;
}

template <typename Item>
bool contains_id(const std::vector<Item>& items, std::string_view id) {
  return std::any_of(items.begin(), items.end(), [id](const Item& item) { return item.id == id; });
}

}  // namespace

Expected<Config, std::string> parse_config(std::string_view yaml_text) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    Config config = read_config(root);
    if (auto problem = validate_config(config)) {
      return unexpected(*problem);
    }
    return config;
  } catch (const ConfigError& error) {
    return unexpected(error.message);
  } catch (const YAML::Exception& error) {
    return unexpected(fmt::format("not valid YAML at line {}, column {}: {}", error.mark.line + 1,
                                  error.mark.column + 1, error.msg));
  }
}

Expected<Config, std::string> load_config_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return unexpected(fmt::format("cannot open config file {}", path));
  }
  std::ostringstream text;
  text << file.rdbuf();
  auto config = parse_config(text.str());
  if (!config) {
    return unexpected(fmt::format("{}: {}", path, config.error()));
  }
  return config;
}

std::optional<std::string> validate_config(const Config& config) {
  const auto listen = parse_listen_address(config.listen);
  if (!listen) {
    return fmt::format("listen: \"{}\" is not host:port with an IP address or localhost", config.listen);
  }
  if (config.auth.tokens.empty() && !config.auth.allow_unauthenticated && !listen->is_loopback()) {
    return fmt::format("listen: {} is not a loopback address and no auth.tokens are configured; "
                       "configure tokens, or set auth.allow_unauthenticated: true to serve everyone",
                       config.listen);
  }
  if (config.data_dir.empty()) {
    return std::string("data_dir: must not be empty");
  }
  static const std::set<std::string_view> kLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!kLevels.contains(config.log_level)) {
    return fmt::format("log_level: \"{}\" is not trace, debug, info, warn, error, critical or off", config.log_level);
  }
  if (!config.prometheus.url.starts_with("http://") && !config.prometheus.url.starts_with("https://")) {
    return fmt::format("prometheus.url: \"{}\" is not an http:// or https:// URL", config.prometheus.url);
  }
  if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
    return std::string("tls: cert_file and key_file go together");
  }
  std::set<std::string_view> token_names;
  std::set<std::string_view> token_hashes;
  for (std::size_t i = 0; i < config.auth.tokens.size(); ++i) {
    const auto& token = config.auth.tokens[i];
    if (!token_names.insert(token.name).second) {
      return fmt::format("auth.tokens[{}].name: \"{}\" is listed twice", i, token.name);
    }
    if (!token_hashes.insert(token.sha256).second) {
      return fmt::format("auth.tokens[{}].sha256: the same token is listed twice", i);
    }
  }
  const auto& registry = config.registry;
  for (const auto& problem : {duplicate_id(registry.partners, "registry.partners"),
                              duplicate_id(registry.tenants, "registry.tenants"),
                              duplicate_id(registry.providers, "registry.providers"),
                              duplicate_id(registry.connections, "registry.connections")}) {
    if (problem) {
      return problem;
    }
  }
  for (std::size_t i = 0; i < registry.providers.size(); ++i) {
    const auto& partner = registry.providers[i].partner;
    if (!partner.empty() && !contains_id(registry.partners, partner)) {
      return fmt::format("registry.providers[{}].partner: \"{}\" is not in registry.partners", i, partner);
    }
  }
  for (std::size_t i = 0; i < registry.connections.size(); ++i) {
    const auto& connection = registry.connections[i];
    if (!connection.tenant.empty() && !contains_id(registry.tenants, connection.tenant)) {
      return fmt::format("registry.connections[{}].tenant: \"{}\" is not in registry.tenants", i,
                         connection.tenant);
    }
    for (const auto& [field, provider] : {std::pair{"source_provider", &connection.source_provider},
                                          std::pair{"target_provider", &connection.target_provider}}) {
      if (!provider->empty() && !contains_id(registry.providers, *provider)) {
        return fmt::format("registry.connections[{}].{}: \"{}\" is not in registry.providers", i, field,
                           *provider);
      }
    }
  }
  return std::nullopt;
}

}  // namespace syncmon
