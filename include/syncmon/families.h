#pragma once
// The domain metric families of SPEC section 2: exported names, help, pushed field names,
// value kinds and label schemes, in one table.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace syncmon {

enum class Family : std::uint8_t {
  kProviderRequestTotal,
  kProviderRequestSuccess,
  kProviderRequestError400,
  kProviderRequestError500,
  kProviderResponseTime,
  kConnectionIndexTime,
  kConnectionGetTime,
  kConnectionCreateTime,
  kConnectionUpdateTime,
  kConnectionDeleteTime,
  kJobLastPushTimestamp,
  kJobPushesTotal,
};
inline constexpr std::size_t kFamilyCount = 12;

enum class ValueKind : std::uint8_t {
  kCounter,
  kHistogram,
  // A gauge that only moves forward: the newest unix time in milliseconds wins.
  kLatestTimestamp,
};

enum class LabelScheme : std::uint8_t {
  kProvider,            // provider, connection (connection omitted when not pushed)
  kConnectionResource,  // connection, resource
  kJob,                 // job
};

struct FamilyInfo {
  Family family;
  std::string_view name;          // exported family name
  std::string_view help;          // HELP text
  std::string_view pushed_field;  // field name in a native push; empty for job families
  ValueKind kind;
  LabelScheme labels;
};

const FamilyInfo& family_info(Family family);
std::span<const FamilyInfo> all_families();
std::span<const std::string_view> label_names(LabelScheme scheme);

// Provider counters in the order ProviderEntry::counters holds them.
inline constexpr std::array<Family, 4> kProviderCounterFamilies = {
    Family::kProviderRequestTotal, Family::kProviderRequestSuccess,
    Family::kProviderRequestError400, Family::kProviderRequestError500};
// Connection timings in the order ConnectionEntry::timings holds them.
inline constexpr std::array<Family, 5> kConnectionTimingFamilies = {
    Family::kConnectionIndexTime, Family::kConnectionGetTime, Family::kConnectionCreateTime,
    Family::kConnectionUpdateTime, Family::kConnectionDeleteTime};

}  // namespace syncmon
