#include "syncmon/journal_record.h"

#include "core/binary_io.h"

namespace syncmon {
namespace {

using binary_io::Reader;
using binary_io::Writer;

// The native batch's format version byte is 1 (batch_codec.cpp); group records start at 16.
constexpr std::uint8_t kPushBatchRecord = 1;
constexpr std::uint8_t kGroupPushRecord = 16;
constexpr std::uint8_t kGroupDeleteRecord = 17;
constexpr std::uint8_t kWipeRecord = 18;
constexpr std::uint8_t kGroupSnapshotVersion = 1;

void write_labels(Writer& writer, const std::vector<LabelPair>& labels) {
  writer.varint(labels.size());
  for (const auto& label : labels) {
    writer.text(label.name);
    writer.text(label.value);
  }
}

bool read_labels(Reader& reader, std::vector<LabelPair>& labels) {
  std::uint64_t count = 0;
  if (!reader.count(count)) {
    return false;
  }
  labels.resize(count);
  for (auto& label : labels) {
    if (!reader.text(label.name) || !reader.text(label.value)) {
      return false;
    }
  }
  return true;
}

void write_families(Writer& writer, const std::vector<PushedFamily>& families) {
  writer.varint(families.size());
  for (const auto& family : families) {
    writer.text(family.name);
    writer.byte(family.help ? 1 : 0);
    if (family.help) {
      writer.text(*family.help);
    }
    writer.byte(static_cast<std::uint8_t>(family.kind));
    writer.varint(family.metrics.size());
    for (const auto& metric : family.metrics) {
      write_labels(writer, metric.labels);
      writer.real(metric.value);
      writer.varint(metric.count);
      writer.real(metric.sum);
      writer.varint(metric.quantiles.size());
      for (const auto& quantile : metric.quantiles) {
        writer.real(quantile.quantile);
        writer.real(quantile.value);
      }
      writer.varint(metric.buckets.size());
      for (const auto& bucket : metric.buckets) {
        writer.real(bucket.upper_bound);
        writer.varint(bucket.cumulative_count);
      }
    }
  }
}

bool read_families(Reader& reader, std::vector<PushedFamily>& families) {
  std::uint64_t count = 0;
  if (!reader.count(count)) {
    return false;
  }
  families.resize(count);
  for (auto& family : families) {
    std::uint8_t has_help = 0;
    std::uint8_t kind = 0;
    std::uint64_t metrics = 0;
    if (!reader.text(family.name) || !reader.byte(has_help) || has_help > 1) {
      return false;
    }
    if (has_help == 1 && !reader.text(family.help.emplace())) {
      return false;
    }
    if (!reader.byte(kind) || kind > static_cast<std::uint8_t>(MetricKind::kHistogram) || !reader.count(metrics)) {
      return false;
    }
    family.kind = static_cast<MetricKind>(kind);
    family.metrics.resize(metrics);
    for (auto& metric : family.metrics) {
      std::uint64_t quantiles = 0;
      std::uint64_t buckets = 0;
      if (!read_labels(reader, metric.labels) || !reader.real(metric.value) || !reader.varint(metric.count) ||
          !reader.real(metric.sum) || !reader.count(quantiles)) {
        return false;
      }
      metric.quantiles.resize(quantiles);
      for (auto& quantile : metric.quantiles) {
        if (!reader.real(quantile.quantile) || !reader.real(quantile.value)) {
          return false;
        }
      }
      if (!reader.count(buckets)) {
        return false;
      }
      metric.buckets.resize(buckets);
      for (auto& bucket : metric.buckets) {
        if (!reader.real(bucket.upper_bound) || !reader.varint(bucket.cumulative_count)) {
          return false;
        }
      }
    }
  }
  return true;
}

}  // namespace

JournalKind journal_kind(std::string_view record) {
  if (record.empty()) {
    return JournalKind::kUnknown;
  }
  switch (static_cast<std::uint8_t>(record[0])) {
    case kPushBatchRecord:
      return JournalKind::kPushBatch;
    case kGroupPushRecord:
      return JournalKind::kGroupPush;
    case kGroupDeleteRecord:
      return JournalKind::kGroupDelete;
    case kWipeRecord:
      return JournalKind::kWipe;
    default:
      return JournalKind::kUnknown;
  }
}

std::string encode_group_push(const GroupPush& push) {
  Writer writer;
  writer.byte(kGroupPushRecord);
  write_labels(writer, push.key);
  writer.byte(static_cast<std::uint8_t>(push.mode));
  writer.real(push.at_seconds);
  writer.byte(push.has_timestamps ? 1 : 0);
  write_families(writer, push.families);
  return writer.take();
}

std::optional<GroupPush> decode_group_push(std::string_view record) {
  Reader reader(record);
  GroupPush push;
  std::uint8_t kind = 0;
  std::uint8_t mode = 0;
  std::uint8_t timestamps = 0;
  if (!reader.byte(kind) || kind != kGroupPushRecord || !read_labels(reader, push.key) || !reader.byte(mode) ||
      mode > 1 || !reader.real(push.at_seconds) || !reader.byte(timestamps) || timestamps > 1 ||
      !read_families(reader, push.families) || !reader.at_end()) {
    return std::nullopt;
  }
  push.mode = static_cast<GroupPushMode>(mode);
  push.has_timestamps = timestamps == 1;
  return push;
}

std::string encode_group_delete(const GroupingKey& key) {
  Writer writer;
  writer.byte(kGroupDeleteRecord);
  write_labels(writer, key);
  return writer.take();
}

std::optional<GroupingKey> decode_group_delete(std::string_view record) {
  Reader reader(record);
  GroupingKey key;
  std::uint8_t kind = 0;
  if (!reader.byte(kind) || kind != kGroupDeleteRecord || !read_labels(reader, key) || !reader.at_end()) {
    return std::nullopt;
  }
  return key;
}

std::string encode_wipe() { return std::string(1, static_cast<char>(kWipeRecord)); }

std::string encode_group(const MetricGroup& group) {
  Writer writer;
  writer.byte(kGroupSnapshotVersion);
  write_labels(writer, group.key);
  writer.real(group.push_time_seconds);
  writer.real(group.push_failure_time_seconds);
  write_families(writer, group.families);
  return writer.take();
}

std::optional<MetricGroup> decode_group(std::string_view bytes) {
  Reader reader(bytes);
  MetricGroup group;
  std::uint8_t version = 0;
  if (!reader.byte(version) || version != kGroupSnapshotVersion || !read_labels(reader, group.key) ||
      !reader.real(group.push_time_seconds) || !reader.real(group.push_failure_time_seconds) ||
      !read_families(reader, group.families) || !reader.at_end()) {
    return std::nullopt;
  }
  return group;
}

}  // namespace syncmon
