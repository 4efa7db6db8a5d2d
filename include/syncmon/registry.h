#pragma once
// The registry of SPEC 3.4: partners, tenants, providers and connections. Entities come from
// three places, and the first one that knows an id wins:
//   1. the config file (reloaded on SIGHUP; read-only through the API),
//   2. the admin API (PUT/DELETE, persisted in SQLite by the caller before it calls put/remove),
//   3. pushes naming an id nobody registered (registry.auto_register), and recovered series.
// Readers take an immutable RegistryView and keep it for the whole request; a change to the
// config or API entities builds a new view and publishes it whole, so a reader never sees half
// a change. Ids registered by pushes only ever join a set that every view shares: a flood of
// new ids costs one insertion each, not one rebuild each.
//
// Thread safety: every member of Registry may be called from any thread.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "syncmon/access_policy.h"
#include "syncmon/api_error.h"
#include "syncmon/config.h"
#include "syncmon/duration.h"
#include "syncmon/expected.h"
#include "syncmon/published.h"
#include "syncmon/push_batch.h"
#include "syncmon/registry_labels.h"
#include "syncmon/series_index.h"

namespace syncmon {

enum class Origin { kConfig, kApi, kPush };
std::string_view origin_name(Origin origin);

struct ProviderRecord {
  std::string id;
  std::string name;     // the id when none was given
  std::string partner;  // empty: none
  Origin origin = Origin::kConfig;
};

struct ConnectionRecord {
  std::string id;
  std::string name;
  std::string tenant;
  std::string source_provider;
  std::string target_provider;
  std::vector<std::string> resources;
  std::optional<Duration> expected_interval;
  Origin origin = Origin::kConfig;
};

enum class EntityKind { kProvider, kConnection };
std::string_view entity_kind_name(EntityKind kind);  // "provider" | "connection"

// An entity as the admin API stores it: its JSON body (the PUT body, normalised).
struct StoredEntity {
  EntityKind kind;
  std::string id;
  std::string body;
};

// The ids known from pushes only. Grows, never shrinks; records never move once inserted, so a
// pointer handed out stays valid. Thread safety: a shared mutex; every member from any thread.
class SeenEntities {
 public:
  void add_providers(const std::vector<std::string>& ids);
  void add_connections(const std::vector<std::string>& ids);
  const ProviderRecord* provider(std::string_view id) const;
  const ConnectionRecord* connection(std::string_view id) const;
  std::vector<const ProviderRecord*> providers() const;      // sorted by id
  std::vector<const ConnectionRecord*> connections() const;  // sorted by id

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, ProviderRecord, std::less<>> providers_;
  std::map<std::string, ConnectionRecord, std::less<>> connections_;
};

class RegistryView {
 public:
  const ProviderRecord* provider(std::string_view id) const;
  const ConnectionRecord* connection(std::string_view id) const;
  bool has_partner(std::string_view id) const { return partners_.contains(std::string(id)); }
  bool has_tenant(std::string_view id) const { return tenants_.contains(std::string(id)); }
  const std::string* partner_name(std::string_view id) const;
  const std::string* tenant_name(std::string_view id) const;

  // Every entity, sorted by id (those from pushes included).
  std::vector<const ProviderRecord*> providers() const;
  std::vector<const ConnectionRecord*> connections() const;
  const RegistryLabels& labels() const { return labels_; }
  bool auto_register() const { return auto_register_; }

  // SPEC 4: a tenant reads its connections and the providers they use; a partner its providers.
  bool may_read_provider(const Principal& principal, std::string_view id) const;
  bool may_read_connection(const Principal& principal, std::string_view id) const;
  // What a listing shows the caller: every entity it may read, sorted by id, in one pass.
  std::vector<const ProviderRecord*> readable_providers(const Principal& principal) const;
  std::vector<const ConnectionRecord*> readable_connections(const Principal& principal) const;
  // Connections that use the provider (as source or target).
  std::vector<const ConnectionRecord*> connections_using(std::string_view provider) const;

 private:
  friend class Registry;
  void index();

  bool auto_register_ = true;
  std::shared_ptr<const SeenEntities> seen_;
  std::unordered_map<std::string, std::string> partners_;  // id -> name
  std::unordered_map<std::string, std::string> tenants_;
  std::vector<ProviderRecord> providers_;
  std::vector<ConnectionRecord> connections_;
  std::unordered_map<std::string_view, std::size_t> provider_at_;
  std::unordered_map<std::string_view, std::size_t> connection_at_;
  RegistryLabels labels_;
};

class Registry {
 public:
  Registry(const Config::Registry& config, const std::vector<StoredEntity>& stored);

  std::shared_ptr<const RegistryView> view() const { return view_.load(); }
  // The push path's way: this thread's copy, valid until its next current_view() (published.h).
  const RegistryView& current_view() const { return view_.current(); }

  // SIGHUP: the config file's part is replaced; API and push entities stay.
  void reload(const Config::Registry& config);

  // The admin API, after the change is on disk.
  void put(const ProviderRecord& provider);
  void put(const ConnectionRecord& connection);
  void remove(EntityKind kind, const std::string& id);

  // Registers the ids of a push (and of recovered series) that no one registered yet.
  void register_seen(const std::vector<std::string>& providers, const std::vector<std::string>& connections);

 private:
  void publish();  // with mutex_ held

  mutable std::mutex mutex_;  // serialises changes; readers never take it
  Config::Registry config_;
  std::map<std::string, ProviderRecord> api_providers_;
  std::map<std::string, ConnectionRecord> api_connections_;
  std::shared_ptr<SeenEntities> seen_ = std::make_shared<SeenEntities>();
  Published<RegistryView> view_;
};

// The admin API's PUT body ({"name": ..., "partner": ...} or the connection's fields), checked
// against the registry it will join (nullptr: references are not checked, for stored bodies).
// Errors carry the JSON path. `id` comes from the URL.
Expected<ProviderRecord, ApiError> parse_provider_body(std::string_view body, const std::string& id,
                                                       const RegistryView* registry);
Expected<ConnectionRecord, ApiError> parse_connection_body(std::string_view body, const std::string& id,
                                                           const RegistryView* registry);
// The normalised JSON a PUT stores and a GET shows (without summaries).
std::string provider_body(const ProviderRecord& provider);
std::string connection_body(const ConnectionRecord& connection);

// May the caller read this entity (its listing entry, its series)? 400 for an id that is not an
// entity id, 404 for an unknown one, 403 outside the caller's scope; checked in that order, so
// nothing about an id reaches the backend before all three pass.
std::optional<ApiError> read_problem(const RegistryView& registry, EntityKind kind, std::string_view id,
                                     const Principal& caller);
// The 400 for an id in a URL that is not an entity id.
ApiError invalid_id(EntityKind kind, std::string_view problem);
// The 404 for an id in a URL that names no registered entity.
ApiError unknown_entity(EntityKind kind, std::string_view id);

// Why the admin API may not change this entity (defined in the config file), or nothing.
std::optional<ApiError> api_change_problem(const RegistryView& registry, EntityKind kind, std::string_view id);

// SPEC 3.4 (auto_register: false) and 4 (push scope): may this principal push this batch?
// 400 naming the JSON path (or the URL parameter of a webhook) of an unknown id, 403 for an id
// outside the token's scope. With auto_register, unknown ids are returned for register_seen().
struct PushEntities {
  std::vector<std::string> new_providers;
  std::vector<std::string> new_connections;
};
// Registers the providers and connections that stored series name (after recovery).
void register_series_entities(Registry& registry, const SeriesIndex& index);

Expected<PushEntities, ApiError> check_push_entities(const PushBatch& batch, const RegistryView& registry,
                                                     const Principal& principal, std::string_view webhook_param);

}  // namespace syncmon
