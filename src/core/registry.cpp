#include "syncmon/registry.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "syncmon/label_rules.h"

namespace syncmon {
namespace {

using rapidjson::Value;

constexpr std::size_t kMaxNameBytes = 256;

ApiError invalid(std::string message, std::string path) { return {400, std::move(message), std::move(path), "invalid"}; }

// A PUT body's object: every member once, none unknown.
Expected<const Value*, ApiError> parse_object(rapidjson::Document& document, std::string_view body,
                                              std::initializer_list<std::string_view> allowed) {
  document.Parse<rapidjson::kParseStopWhenDoneFlag>(body.data(), body.size());
  if (document.HasParseError()) {
    return unexpected(invalid(fmt::format("the body is not valid JSON (at byte {})", document.GetErrorOffset()), "$"));
  }
  if (!document.IsObject()) {
    return unexpected(invalid("the body must be a JSON object", "$"));
  }
  std::set<std::string_view> seen;
  for (const auto& member : document.GetObject()) {
    const std::string_view name(member.name.GetString(), member.name.GetStringLength());
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return unexpected(invalid(fmt::format("$.{} is not a field of this entity", name), fmt::format("$.{}", name)));
    }
    if (!seen.insert(name).second) {
      return unexpected(invalid(fmt::format("$.{} appears twice", name), fmt::format("$.{}", name)));
    }
  }
  return &document;
}

// An optional string member; nullptr when absent or null.
Expected<std::optional<std::string>, ApiError> string_member(const Value& object, std::string_view name) {
  const auto it = object.FindMember(Value(rapidjson::StringRef(name.data(), name.size())));
  if (it == object.MemberEnd() || it->value.IsNull()) {
    return std::optional<std::string>{};
  }
  if (!it->value.IsString()) {
    return unexpected(invalid(fmt::format("$.{} must be a string", name), fmt::format("$.{}", name)));
  }
  return std::optional<std::string>{std::string(it->value.GetString(), it->value.GetStringLength())};
}

Expected<std::string, ApiError> name_member(const Value& object, const std::string& id) {
  auto name = string_member(object, "name");
  if (!name) {
    return unexpected(name.error());
  }
  if (!*name) {
    return id;
  }
  if (auto problem = label_value_problem(**name, kMaxNameBytes)) {
    return unexpected(invalid(fmt::format("$.name {}", *problem), "$.name"));
  }
  return **name;
}

// A reference to another entity: an id that `exists` knows.
template <typename Exists>
Expected<std::string, ApiError> reference_member(const Value& object, std::string_view field, std::string_view what,
                                                 Exists exists) {
  auto value = string_member(object, field);
  if (!value) {
    return unexpected(value.error());
  }
  if (!*value) {
    return std::string();
  }
  const std::string path = fmt::format("$.{}", field);
  if (auto problem = entity_id_problem(**value)) {
    return unexpected(invalid(fmt::format("{} {}", path, *problem), path));
  }
  if (!exists(**value)) {
    return unexpected(invalid(fmt::format("{}: {} \"{}\" is not registered", path, what, **value), path));
  }
  return **value;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(Writer& writer, std::string_view key, std::string_view value) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_optional(Writer& writer, std::string_view key, const std::string& value) {
  if (value.empty()) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    writer.Null();
  } else {
    write_string(writer, key, value);
  }
}

template <typename Record>
const Record* find_in(const std::vector<Record>& records, const std::unordered_map<std::string_view, std::size_t>& at,
                      std::string_view id) {
  const auto it = at.find(id);
  return it != at.end() ? &records[it->second] : nullptr;
}

bool contains(const std::vector<std::string>& ids, std::string_view id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

std::string_view origin_name(Origin origin) {
  switch (origin) {
    case Origin::kConfig:
      return "config";
    case Origin::kApi:
      return "api";
    case Origin::kPush:
      return "push";
  }
  return "unknown";
}

std::string_view entity_kind_name(EntityKind kind) { return kind == EntityKind::kProvider ? "provider" : "connection"; }

// ---------------------------------------------------------------------------------------------
// SeenEntities

void SeenEntities::add_providers(const std::vector<std::string>& ids) {
  std::unique_lock lock(mutex_);
  for (const auto& id : ids) {
    providers_.try_emplace(providers_.end(), id, ProviderRecord{id, id, "", Origin::kPush});
  }
}

void SeenEntities::add_connections(const std::vector<std::string>& ids) {
  std::unique_lock lock(mutex_);
  for (const auto& id : ids) {
    connections_.try_emplace(connections_.end(), id, ConnectionRecord{id, id, "", "", "", {}, std::nullopt, Origin::kPush});
  }
}

const ProviderRecord* SeenEntities::provider(std::string_view id) const {
  std::shared_lock lock(mutex_);
  const auto it = providers_.find(id);
  return it != providers_.end() ? &it->second : nullptr;
}

const ConnectionRecord* SeenEntities::connection(std::string_view id) const {
  std::shared_lock lock(mutex_);
  const auto it = connections_.find(id);
  return it != connections_.end() ? &it->second : nullptr;
}

std::vector<const ProviderRecord*> SeenEntities::providers() const {
  std::shared_lock lock(mutex_);
  std::vector<const ProviderRecord*> out;
  out.reserve(providers_.size());
  for (const auto& [id, record] : providers_) {
    out.push_back(&record);
  }
  return out;
}

std::vector<const ConnectionRecord*> SeenEntities::connections() const {
  std::shared_lock lock(mutex_);
  std::vector<const ConnectionRecord*> out;
  out.reserve(connections_.size());
  for (const auto& [id, record] : connections_) {
    out.push_back(&record);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RegistryView

namespace {

// The view's own records, then those known from pushes only that it does not define, by id.
template <typename Record>
std::vector<const Record*> merged(const std::vector<Record>& own, std::vector<const Record*> seen,
                                  const std::unordered_map<std::string_view, std::size_t>& own_at) {
  std::vector<const Record*> out;
  out.reserve(own.size() + seen.size());
  for (const auto& record : own) {
    out.push_back(&record);
  }
  for (const Record* record : seen) {
    if (!own_at.contains(record->id)) {
      out.push_back(record);
    }
  }
  std::sort(out.begin(), out.end(), [](const Record* a, const Record* b) { return a->id < b->id; });
  return out;
}

}  // namespace

std::vector<const ProviderRecord*> RegistryView::providers() const {
  return merged(providers_, seen_->providers(), provider_at_);
}

std::vector<const ConnectionRecord*> RegistryView::connections() const {
  return merged(connections_, seen_->connections(), connection_at_);
}

const ProviderRecord* RegistryView::provider(std::string_view id) const {
  const ProviderRecord* own = find_in(providers_, provider_at_, id);
  return own != nullptr ? own : seen_->provider(id);
}

const ConnectionRecord* RegistryView::connection(std::string_view id) const {
  const ConnectionRecord* own = find_in(connections_, connection_at_, id);
  return own != nullptr ? own : seen_->connection(id);
}

const std::string* RegistryView::partner_name(std::string_view id) const {
  const auto it = partners_.find(std::string(id));
  return it != partners_.end() ? &it->second : nullptr;
}

const std::string* RegistryView::tenant_name(std::string_view id) const {
  const auto it = tenants_.find(std::string(id));
  return it != tenants_.end() ? &it->second : nullptr;
}

void RegistryView::index() {
  std::sort(providers_.begin(), providers_.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::sort(connections_.begin(), connections_.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  provider_at_.clear();
  connection_at_.clear();
  for (std::size_t i = 0; i < providers_.size(); ++i) {
    provider_at_.emplace(providers_[i].id, i);
    labels_.add_provider(providers_[i].id, {providers_[i].partner});
  }
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    const auto& connection = connections_[i];
    connection_at_.emplace(connection.id, i);
    labels_.add_connection(connection.id, {connection.tenant, connection.source_provider, connection.target_provider});
  }
}

bool RegistryView::may_read_provider(const Principal& principal, std::string_view id) const {
  switch (principal.role) {
    case Role::kAdmin:
      return true;
    case Role::kPartner: {
      const auto* record = provider(id);
      return record != nullptr && record->partner == principal.id;
    }
    case Role::kTenant:
      // Connections known from pushes only have no tenant: the view's own are enough.
      return std::any_of(connections_.begin(), connections_.end(), [&](const ConnectionRecord& connection) {
        return connection.tenant == principal.id && (connection.source_provider == id || connection.target_provider == id);
      });
    case Role::kPush:
      return false;
  }
  return false;
}

bool RegistryView::may_read_connection(const Principal& principal, std::string_view id) const {
  if (principal.role == Role::kAdmin) {
    return true;
  }
  const auto* record = connection(id);
  return principal.role == Role::kTenant && record != nullptr && record->tenant == principal.id;
}

std::vector<const ProviderRecord*> RegistryView::readable_providers(const Principal& principal) const {
  std::vector<const ProviderRecord*> all = providers();
  if (principal.role == Role::kAdmin) {
    return all;
  }
  // A tenant's providers, gathered once rather than searched for each provider.
  std::unordered_set<std::string_view> used;
  if (principal.role == Role::kTenant) {
    for (const auto& connection : connections_) {
      if (connection.tenant == principal.id) {
        used.insert(connection.source_provider);
        used.insert(connection.target_provider);
      }
    }
  }
  std::erase_if(all, [&](const ProviderRecord* provider) {
    switch (principal.role) {
      case Role::kPartner:
        return provider->partner != principal.id;
      case Role::kTenant:
        return !used.contains(provider->id);
      default:
        return true;
    }
  });
  return all;
}

std::vector<const ConnectionRecord*> RegistryView::readable_connections(const Principal& principal) const {
  std::vector<const ConnectionRecord*> all = connections();
  if (principal.role != Role::kAdmin) {
    std::erase_if(all, [&](const ConnectionRecord* connection) {
      return principal.role != Role::kTenant || connection->tenant != principal.id;
    });
  }
  return all;
}

std::vector<const ConnectionRecord*> RegistryView::connections_using(std::string_view provider) const {
  std::vector<const ConnectionRecord*> using_it;
  for (const auto& connection : connections_) {
    if (connection.source_provider == provider || connection.target_provider == provider) {
      using_it.push_back(&connection);
    }
  }
  return using_it;
}

// ---------------------------------------------------------------------------------------------
// Registry

Registry::Registry(const Config::Registry& config, const std::vector<StoredEntity>& stored) : config_(config) {
  for (const auto& entity : stored) {
    // Stored bodies were checked when they were PUT; their references are not checked again, so
    // an entity whose partner left the config file since is kept rather than lost.
    if (entity.kind == EntityKind::kProvider) {
      if (auto provider = parse_provider_body(entity.body, entity.id, nullptr)) {
        provider->origin = Origin::kApi;
        api_providers_[entity.id] = std::move(*provider);
      }
    } else if (auto connection = parse_connection_body(entity.body, entity.id, nullptr)) {
      connection->origin = Origin::kApi;
      api_connections_[entity.id] = std::move(*connection);
    }
  }
  std::lock_guard lock(mutex_);
  publish();
}

void Registry::reload(const Config::Registry& config) {
  std::lock_guard lock(mutex_);
  config_ = config;
  publish();
}

void Registry::put(const ProviderRecord& provider) {
  std::lock_guard lock(mutex_);
  api_providers_[provider.id] = provider;
  api_providers_[provider.id].origin = Origin::kApi;
  publish();
}

void Registry::put(const ConnectionRecord& connection) {
  std::lock_guard lock(mutex_);
  api_connections_[connection.id] = connection;
  api_connections_[connection.id].origin = Origin::kApi;
  publish();
}

void Registry::remove(EntityKind kind, const std::string& id) {
  std::lock_guard lock(mutex_);
  if (kind == EntityKind::kProvider) {
    api_providers_.erase(id);
  } else {
    api_connections_.erase(id);
  }
  publish();
}

void Registry::register_seen(const std::vector<std::string>& providers, const std::vector<std::string>& connections) {
  // No new view: the set is shared by every view, and the config and API entities win an id
  // they also define.
  if (!providers.empty()) {
    seen_->add_providers(providers);
  }
  if (!connections.empty()) {
    seen_->add_connections(connections);
  }
}

void Registry::publish() {
  auto view = std::make_shared<RegistryView>();
  view->auto_register_ = config_.auto_register;
  view->seen_ = seen_;
  for (const auto& partner : config_.partners) {
    view->partners_.emplace(partner.id, partner.name.empty() ? partner.id : partner.name);
  }
  for (const auto& tenant : config_.tenants) {
    view->tenants_.emplace(tenant.id, tenant.name.empty() ? tenant.id : tenant.name);
  }
  std::set<std::string, std::less<>> provider_ids;
  for (const auto& provider : config_.providers) {
    view->providers_.push_back({provider.id, provider.name.empty() ? provider.id : provider.name, provider.partner,
                                Origin::kConfig});
    provider_ids.insert(provider.id);
  }
  for (const auto& [id, provider] : api_providers_) {
    if (provider_ids.insert(id).second) {
      view->providers_.push_back(provider);
    }
  }
  std::set<std::string, std::less<>> connection_ids;
  for (const auto& connection : config_.connections) {
    view->connections_.push_back({connection.id, connection.id, connection.tenant, connection.source_provider,
                                  connection.target_provider, connection.resources, connection.expected_interval,
                                  Origin::kConfig});
    connection_ids.insert(connection.id);
  }
  for (const auto& [id, connection] : api_connections_) {
    if (connection_ids.insert(id).second) {
      view->connections_.push_back(connection);
    }
  }
  view->index();
  view_.store(std::move(view));
}

// ---------------------------------------------------------------------------------------------
// Bodies

namespace {

// What every PUT body has: an object of known fields, the URL's id (if it repeats it), a name.
struct CommonFields {
  const Value* root;
  std::string name;
};

Expected<CommonFields, ApiError> common_fields(rapidjson::Document& document, std::string_view body,
                                               std::initializer_list<std::string_view> allowed, const std::string& id) {
  auto object = parse_object(document, body, allowed);
  if (!object) {
    return unexpected(object.error());
  }
  const Value& root = **object;
  if (auto given = string_member(root, "id"); !given || (*given && **given != id)) {
    return unexpected(invalid("$.id differs from the id in the URL", "$.id"));
  }
  auto name = name_member(root, id);
  if (!name) {
    return unexpected(name.error());
  }
  return CommonFields{&root, std::move(*name)};
}

}  // namespace

Expected<ProviderRecord, ApiError> parse_provider_body(std::string_view body, const std::string& id,
                                                       const RegistryView* registry) {
  rapidjson::Document document;
  auto common = common_fields(document, body, {"id", "name", "partner"}, id);
  if (!common) {
    return unexpected(common.error());
  }
  const Value& root = *common->root;
  ProviderRecord provider{id, std::move(common->name), "", Origin::kApi};
  auto partner = reference_member(root, "partner", "partner", [&](const std::string& partner_id) {
    return registry == nullptr || registry->has_partner(partner_id);
  });
  if (!partner) {
    return unexpected(partner.error());
  }
  provider.partner = std::move(*partner);
  return provider;
}

Expected<ConnectionRecord, ApiError> parse_connection_body(std::string_view body, const std::string& id,
                                                           const RegistryView* registry) {
  rapidjson::Document document;
  auto common = common_fields(
      document, body, {"id", "name", "tenant", "source_provider", "target_provider", "resources", "expected_interval"},
      id);
  if (!common) {
    return unexpected(common.error());
  }
  const Value& root = *common->root;
  ConnectionRecord connection;
  connection.id = id;
  connection.origin = Origin::kApi;
  connection.name = std::move(common->name);
  auto tenant = reference_member(root, "tenant", "tenant", [&](const std::string& tenant_id) {
    return registry == nullptr || registry->has_tenant(tenant_id);
  });
  if (!tenant) {
    return unexpected(tenant.error());
  }
  connection.tenant = std::move(*tenant);
  for (const std::string_view field : {"source_provider", "target_provider"}) {
    auto provider = reference_member(root, field, "provider", [&](const std::string& provider_id) {
      return registry == nullptr || registry->provider(provider_id) != nullptr;
    });
    if (!provider) {
      return unexpected(provider.error());
    }
    (field == "source_provider" ? connection.source_provider : connection.target_provider) = std::move(*provider);
  }
  if (const auto it = root.FindMember("resources"); it != root.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsArray()) {
      return unexpected(invalid("$.resources must be a list of strings", "$.resources"));
    }
    for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
      const Value& resource = it->value[i];
      const std::string path = fmt::format("$.resources[{}]", i);
      if (!resource.IsString()) {
        return unexpected(invalid(fmt::format("{} must be a string", path), path));
      }
      std::string text(resource.GetString(), resource.GetStringLength());
      if (auto problem = entity_id_problem(text)) {
        return unexpected(invalid(fmt::format("{} {}", path, *problem), path));
      }
      if (contains(connection.resources, text)) {
        return unexpected(invalid(fmt::format("{} is listed twice", path), path));
      }
      connection.resources.push_back(std::move(text));
    }
  }
  if (const auto it = root.FindMember("expected_interval"); it != root.MemberEnd() && !it->value.IsNull()) {
    std::optional<Duration> interval;
    if (it->value.IsString()) {
      interval = parse_duration({it->value.GetString(), it->value.GetStringLength()});
    } else if (it->value.IsNumber() && it->value.GetDouble() > 0 && it->value.GetDouble() < 1e9) {
      interval = Duration(static_cast<std::int64_t>(it->value.GetDouble() * 1000));
    }
    if (!interval || interval->count() <= 0) {
      return unexpected(
          invalid("$.expected_interval must be a duration such as \"15m\" or a number of seconds above 0",
                  "$.expected_interval"));
    }
    connection.expected_interval = interval;
  }
  return connection;
}

std::string provider_body(const ProviderRecord& provider) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  write_string(writer, "name", provider.name);
  write_optional(writer, "partner", provider.partner);
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string connection_body(const ConnectionRecord& connection) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  write_string(writer, "name", connection.name);
  write_optional(writer, "tenant", connection.tenant);
  write_optional(writer, "source_provider", connection.source_provider);
  write_optional(writer, "target_provider", connection.target_provider);
  writer.Key("resources");
  writer.StartArray();
  for (const auto& resource : connection.resources) {
    writer.String(resource.data(), static_cast<rapidjson::SizeType>(resource.size()));
  }
  writer.EndArray();
  writer.Key("expected_interval");
  if (connection.expected_interval) {
    const std::string text = format_duration(*connection.expected_interval);
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  } else {
    writer.Null();
  }
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

ApiError invalid_id(EntityKind kind, std::string_view problem) {
  return {400, fmt::format("the {} id {}", entity_kind_name(kind), problem), "id", "invalid"};
}

ApiError unknown_entity(EntityKind kind, std::string_view id) {
  return {404, fmt::format("no {} \"{}\" is registered", entity_kind_name(kind), id), "id", "not_found"};
}

std::optional<ApiError> read_problem(const RegistryView& registry, EntityKind kind, std::string_view id,
                                     const Principal& caller) {
  if (auto problem = entity_id_problem(id)) {
    return invalid_id(kind, *problem);
  }
  const bool known = kind == EntityKind::kProvider ? registry.provider(id) != nullptr : registry.connection(id) != nullptr;
  if (!known) {
    return unknown_entity(kind, id);
  }
  const bool allowed =
      kind == EntityKind::kProvider ? registry.may_read_provider(caller, id) : registry.may_read_connection(caller, id);
  if (!allowed) {
    return forbidden(fmt::format("this token may not read {} \"{}\"", entity_kind_name(kind), id));
  }
  return std::nullopt;
}

std::optional<ApiError> api_change_problem(const RegistryView& registry, EntityKind kind, std::string_view id) {
  const Origin* origin = nullptr;
  if (kind == EntityKind::kProvider) {
    const auto* provider = registry.provider(id);
    origin = provider != nullptr ? &provider->origin : nullptr;
  } else {
    const auto* connection = registry.connection(id);
    origin = connection != nullptr ? &connection->origin : nullptr;
  }
  if (origin != nullptr && *origin == Origin::kConfig) {
    return ApiError{409,
                    fmt::format("{} \"{}\" is defined in the config file; change it there and reload (SIGHUP)",
                                entity_kind_name(kind), id),
                    "id", "conflict"};
  }
  return std::nullopt;
}

void register_series_entities(Registry& registry, const SeriesIndex& index) {
  // Views into the series' own labels (series live as long as the index); made unique and
  // sorted, they go into the registry in order, which its map takes in linear time.
  std::unordered_set<std::string_view> providers;
  std::unordered_set<std::string_view> connections;
  index.for_each([&](const Series& series) {
    const auto [first, second] = first_two_labels(series.encoded_labels());
    switch (family_info(series.family()).labels) {
      case LabelScheme::kProvider:
        providers.insert(first);
        if (!second.empty()) {
          connections.insert(second);
        }
        break;
      case LabelScheme::kConnectionResource:
        connections.insert(first);
        break;
      case LabelScheme::kJob:
        break;
    }
  });
  const auto unknown = [](const std::unordered_set<std::string_view>& unique, auto known) {
    std::vector<std::string_view> ids(unique.begin(), unique.end());
    std::sort(ids.begin(), ids.end());
    std::vector<std::string> out;
    for (const auto id : ids) {
      if (!known(id)) {
        out.emplace_back(id);
      }
    }
    return out;
  };
  const auto view = registry.view();
  registry.register_seen(unknown(providers, [&](std::string_view id) { return view->provider(id) != nullptr; }),
                         unknown(connections, [&](std::string_view id) { return view->connection(id) != nullptr; }));
}

Expected<PushEntities, ApiError> check_push_entities(const PushBatch& batch, const RegistryView& registry,
                                                     const Principal& principal, std::string_view webhook_param) {
  PushEntities unknown;
  // A webhook's entries are under $.entries, and its own id is the URL parameter.
  const auto path_of = [&](std::string_view array, std::size_t index, std::string_view field) {
    if (webhook_param.empty()) {
      return fmt::format("$.{}[{}].{}", array, index, field);
    }
    return field == webhook_param ? std::string(webhook_param) : fmt::format("$.entries[{}].{}", index, field);
  };
  const auto note_unknown = [&](std::vector<std::string>& list, const std::string& id, bool known,
                                std::string_view kind, std::string path) -> std::optional<ApiError> {
    if (known || contains(list, id)) {
      return std::nullopt;
    }
    if (!registry.auto_register()) {
      return invalid(fmt::format("{} \"{}\" is not registered and registry.auto_register is off", kind, id),
                     std::move(path));
    }
    list.push_back(id);
    return std::nullopt;
  };
  for (std::size_t i = 0; i < batch.providers.size(); ++i) {
    const auto& entry = batch.providers[i];
    if (!principal.may_push_provider(entry.provider, entry.connection)) {
      return unexpected(forbidden(fmt::format("this token may not push for provider \"{}\"", entry.provider)));
    }
    if (auto error = note_unknown(unknown.new_providers, entry.provider, registry.provider(entry.provider) != nullptr,
                                  "provider", path_of("providers", i, "provider"))) {
      return unexpected(*error);
    }
    if (!entry.connection.empty()) {
      if (auto error = note_unknown(unknown.new_connections, entry.connection,
                                    registry.connection(entry.connection) != nullptr, "connection",
                                    path_of("providers", i, "connection"))) {
        return unexpected(*error);
      }
    }
  }
  for (std::size_t i = 0; i < batch.connections.size(); ++i) {
    const auto& entry = batch.connections[i];
    if (!principal.may_push_connection(entry.connection)) {
      return unexpected(forbidden(fmt::format("this token may not push for connection \"{}\"", entry.connection)));
    }
    if (auto error = note_unknown(unknown.new_connections, entry.connection,
                                  registry.connection(entry.connection) != nullptr, "connection",
                                  path_of("connections", i, "connection"))) {
      return unexpected(*error);
    }
  }
  return unknown;
}

}  // namespace syncmon
