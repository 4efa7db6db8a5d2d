#pragma once
// The labels that come from the registry, never from a push (SPEC section 2): `partner` and
// `tenant` on provider series, `tenant`, `source_provider` and `target_provider` on connection
// series, looked up by the pushed provider and connection ids at exposition time, so that a
// registry change shows on the next scrape. Unknown ids or empty fields add no label.
//
// Thread safety: immutable once built; the registry publishes it inside each RegistryView.

#include <string>
#include <string_view>
#include <unordered_map>

#include "syncmon/config.h"

namespace syncmon {

class RegistryLabels {
 public:
  struct Provider {
    std::string partner;
  };
  struct Connection {
    std::string tenant;
    std::string source_provider;
    std::string target_provider;
  };

  RegistryLabels() = default;
  explicit RegistryLabels(const Config::Registry& registry);

  void add_provider(std::string id, Provider provider) { providers_[std::move(id)] = std::move(provider); }
  void add_connection(std::string id, Connection connection) { connections_[std::move(id)] = std::move(connection); }

  const Provider* provider(std::string_view id) const;
  const Connection* connection(std::string_view id) const;

 private:
  // Looked up per series on every scrape: by string_view, without building a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };
  std::unordered_map<std::string, Provider, Hash, std::equal_to<>> providers_;
  std::unordered_map<std::string, Connection, Hash, std::equal_to<>> connections_;
};

}  // namespace syncmon
