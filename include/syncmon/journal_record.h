#pragma once
// Records of the journal and of the group snapshots. A journal record's first byte says what it
// is: a native push batch (batch_codec.h) or a Pushgateway-compatible group change.

#include <optional>
#include <string>
#include <string_view>

#include "syncmon/group_store.h"
#include "syncmon/metric_group.h"

namespace syncmon {

enum class JournalKind { kPushBatch, kGroupPush, kGroupDelete, kWipe, kUnknown };

JournalKind journal_kind(std::string_view record);

std::string encode_group_push(const GroupPush& push);
std::optional<GroupPush> decode_group_push(std::string_view record);
std::string encode_group_delete(const GroupingKey& key);
std::optional<GroupingKey> decode_group_delete(std::string_view record);
std::string encode_wipe();

// A whole group, for snapshots.
std::string encode_group(const MetricGroup& group);
std::optional<MetricGroup> decode_group(std::string_view bytes);

}  // namespace syncmon
