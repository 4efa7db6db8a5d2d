#include "syncmon/registry_labels.h"

namespace syncmon {

RegistryLabels::RegistryLabels(const Config::Registry& registry) {
  for (const auto& provider : registry.providers) {
    providers_[provider.id] = Provider{provider.partner};
  }
  for (const auto& connection : registry.connections) {
    connections_[connection.id] = Connection{connection.tenant, connection.source_provider, connection.target_provider};
  }
}

const RegistryLabels::Provider* RegistryLabels::provider(std::string_view id) const {
  auto it = providers_.find(id);
  return it != providers_.end() ? &it->second : nullptr;
}

const RegistryLabels::Connection* RegistryLabels::connection(std::string_view id) const {
  auto it = connections_.find(id);
  return it != connections_.end() ? &it->second : nullptr;
}

}  // namespace syncmon
