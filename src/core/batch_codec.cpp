#include "syncmon/batch_codec.h"

#include "core/binary_io.h"

namespace syncmon {
namespace {

// Also the record's kind in the journal (see journal_record.h).
constexpr std::uint8_t kFormatVersion = 1;

using binary_io::Reader;
using binary_io::Writer;

void write_histogram(Writer& writer, const HistogramDelta& histogram) {
  writer.varint(histogram.bucket_counts.size());
  for (std::uint64_t count : histogram.bucket_counts) {
    writer.varint(count);
  }
  writer.real(histogram.sum);
}

bool read_histogram(Reader& reader, HistogramDelta& out) {
  std::uint64_t buckets = 0;
  if (!reader.count(buckets)) {
    return false;
  }
  out.bucket_counts.resize(buckets);
  for (auto& bucket : out.bucket_counts) {
    if (!reader.varint(bucket)) {
      return false;
    }
  }
  return reader.real(out.sum);
}

}  // namespace

std::string encode_batch(const PushBatch& batch) {
  Writer writer;
  writer.byte(kFormatVersion);
  writer.signed_varint(batch.received_at_unix_ms);
  writer.text(batch.job);
  writer.varint(batch.providers.size());
  for (const auto& entry : batch.providers) {
    writer.text(entry.provider);
    writer.text(entry.connection);
    for (std::uint64_t counter : entry.counters) {
      writer.varint(counter);
    }
    writer.byte(entry.response_time ? 1 : 0);
    if (entry.response_time) {
      write_histogram(writer, *entry.response_time);
    }
  }
  writer.varint(batch.connections.size());
  for (const auto& entry : batch.connections) {
    writer.text(entry.connection);
    writer.text(entry.resource);
    std::uint8_t present = 0;
    for (std::size_t i = 0; i < entry.timings.size(); ++i) {
      present |= entry.timings[i] ? (1U << i) : 0U;
    }
    writer.byte(present);
    for (const auto& timing : entry.timings) {
      if (timing) {
        write_histogram(writer, *timing);
      }
    }
  }
  return writer.take();
}

std::optional<PushBatch> decode_batch(std::string_view bytes) {
  Reader reader(bytes);
  PushBatch batch;
  std::uint8_t version = 0;
  std::uint64_t providers = 0;
  if (!reader.byte(version) || version != kFormatVersion || !reader.signed_varint(batch.received_at_unix_ms) ||
      !reader.text(batch.job) || !reader.count(providers)) {
    return std::nullopt;
  }
  batch.providers.resize(providers);
  for (auto& entry : batch.providers) {
    std::uint8_t has_histogram = 0;
    if (!reader.text(entry.provider) || !reader.text(entry.connection)) {
      return std::nullopt;
    }
    for (auto& counter : entry.counters) {
      if (!reader.varint(counter)) {
        return std::nullopt;
      }
    }
    if (!reader.byte(has_histogram) || has_histogram > 1) {
      return std::nullopt;
    }
    if (has_histogram == 1 && !read_histogram(reader, entry.response_time.emplace())) {
      return std::nullopt;
    }
  }
  std::uint64_t connections = 0;
  if (!reader.count(connections)) {
    return std::nullopt;
  }
  batch.connections.resize(connections);
  for (auto& entry : batch.connections) {
    std::uint8_t present = 0;
    if (!reader.text(entry.connection) || !reader.text(entry.resource) || !reader.byte(present) ||
        present >= (1U << entry.timings.size())) {
      return std::nullopt;
    }
    for (std::size_t i = 0; i < entry.timings.size(); ++i) {
      if ((present & (1U << i)) != 0 && !read_histogram(reader, entry.timings[i].emplace())) {
        return std::nullopt;
      }
    }
  }
  if (!reader.at_end()) {
    return std::nullopt;
  }
  return batch;
}

}  // namespace syncmon
