#include "syncmon/families.h"

namespace syncmon {
namespace {

constexpr std::array<FamilyInfo, kFamilyCount> kFamilies = {{
    {Family::kProviderRequestTotal, "syncmon_provider_request_total",
     "Calls made by sync jobs to the provider.", "request_total", ValueKind::kCounter,
     LabelScheme::kProvider},
    {Family::kProviderRequestSuccess, "syncmon_provider_request_success_total",
     "Calls to the provider that succeeded (2xx or 3xx).", "request_success", ValueKind::kCounter,
     LabelScheme::kProvider},
    {Family::kProviderRequestError400, "syncmon_provider_request_error_400_total",
     "Calls to the provider answered with a 4xx status.", "request_error_400", ValueKind::kCounter,
     LabelScheme::kProvider},
    {Family::kProviderRequestError500, "syncmon_provider_request_error_500_total",
     "Calls to the provider answered with a 5xx status.", "request_error_500", ValueKind::kCounter,
     LabelScheme::kProvider},
    {Family::kProviderResponseTime, "syncmon_provider_request_response_time_seconds",
     "Response time of calls to the provider, in seconds.", "request_response_time",
     ValueKind::kHistogram, LabelScheme::kProvider},
    {Family::kConnectionIndexTime, "syncmon_connection_resource_index_time_seconds",
     "Time to list or index a resource of the connection, in seconds.", "resource_index_time",
     ValueKind::kHistogram, LabelScheme::kConnectionResource},
    {Family::kConnectionGetTime, "syncmon_connection_resource_get_time_seconds",
     "Time to fetch one record of a resource, in seconds.", "resource_get_time",
     ValueKind::kHistogram, LabelScheme::kConnectionResource},
    {Family::kConnectionCreateTime, "syncmon_connection_resource_create_time_seconds",
     "Time to create one record of a resource, in seconds.", "resource_create_time",
     ValueKind::kHistogram, LabelScheme::kConnectionResource},
    {Family::kConnectionUpdateTime, "syncmon_connection_resource_update_time_seconds",
     "Time to update one record of a resource, in seconds.", "resource_update_time",
     ValueKind::kHistogram, LabelScheme::kConnectionResource},
    {Family::kConnectionDeleteTime, "syncmon_connection_resource_delete_time_seconds",
     "Time to delete one record of a resource, in seconds.", "resource_delete_time",
     ValueKind::kHistogram, LabelScheme::kConnectionResource},
    {Family::kJobLastPushTimestamp, "syncmon_job_last_push_timestamp_seconds",
     "Unix time of the last push that named the job.", "", ValueKind::kLatestTimestamp,
     LabelScheme::kJob},
    {Family::kJobPushesTotal, "syncmon_job_pushes_total", "Pushes accepted that named the job.", "",
     ValueKind::kCounter, LabelScheme::kJob},
}};

constexpr std::array<std::string_view, 2> kProviderLabels = {"provider", "connection"};
constexpr std::array<std::string_view, 2> kConnectionLabels = {"connection", "resource"};
constexpr std::array<std::string_view, 1> kJobLabels = {"job"};

}  // namespace

const FamilyInfo& family_info(Family family) { return kFamilies[static_cast<std::size_t>(family)]; }

std::span<const FamilyInfo> all_families() { return kFamilies; }

std::span<const std::string_view> label_names(LabelScheme scheme) {
  switch (scheme) {
    case LabelScheme::kProvider:
      return kProviderLabels;
    case LabelScheme::kConnectionResource:
      return kConnectionLabels;
    case LabelScheme::kJob:
      return kJobLabels;
  }
  return {};
}

}  // namespace syncmon
