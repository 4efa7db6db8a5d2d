#include "syncmon/batch_codec.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace syncmon {
namespace {

constexpr std::uint8_t kFormatVersion = 1;
// Far above any real batch; a damaged length field must not make the decoder allocate wildly.
constexpr std::uint64_t kMaxElements = 1U << 24;

class Writer {
 public:
  void byte(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void varint(std::uint64_t value) {
    while (value >= 0x80) {
      byte(static_cast<std::uint8_t>(value | 0x80));
      value >>= 7;
    }
    byte(static_cast<std::uint8_t>(value));
  }
  void signed_varint(std::int64_t value) {
    varint((static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63));
  }
  void text(std::string_view value) {
    varint(value.size());
    out_.append(value);
  }
  void real(double value) {
    const auto bits = std::bit_cast<std::uint64_t>(value);
    for (int i = 0; i < 8; ++i) {
      byte(static_cast<std::uint8_t>(bits >> (8 * i)));
    }
  }
  void histogram(const HistogramDelta& histogram) {
    varint(histogram.bucket_counts.size());
    for (std::uint64_t count : histogram.bucket_counts) {
      varint(count);
    }
    real(histogram.sum);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool byte(std::uint8_t& out) {
    if (pos_ >= in_.size()) {
      return false;
    }
    out = static_cast<std::uint8_t>(in_[pos_++]);
    return true;
  }
  bool varint(std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::uint8_t next = 0;
      if (!byte(next)) {
        return false;
      }
      out |= static_cast<std::uint64_t>(next & 0x7F) << shift;
      if ((next & 0x80) == 0) {
        return true;
      }
    }
    return false;
  }
  bool signed_varint(std::int64_t& out) {
    std::uint64_t raw = 0;
    if (!varint(raw)) {
      return false;
    }
    out = static_cast<std::int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
    return true;
  }
  bool count(std::uint64_t& out) { return varint(out) && out <= kMaxElements; }
  bool text(std::string& out) {
    std::uint64_t size = 0;
    if (!varint(size) || size > in_.size() - pos_) {
      return false;
    }
    out.assign(in_.substr(pos_, size));
    pos_ += size;
    return true;
  }
  bool real(double& out) {
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) {
      std::uint8_t next = 0;
      if (!byte(next)) {
        return false;
      }
      bits |= static_cast<std::uint64_t>(next) << (8 * i);
    }
    out = std::bit_cast<double>(bits);
    return true;
  }
  bool histogram(HistogramDelta& out) {
    std::uint64_t buckets = 0;
    if (!count(buckets)) {
      return false;
    }
    out.bucket_counts.resize(buckets);
    for (auto& bucket : out.bucket_counts) {
      if (!varint(bucket)) {
        return false;
      }
    }
    return real(out.sum);
  }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

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
      writer.histogram(*entry.response_time);
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
        writer.histogram(*timing);
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
    if (has_histogram == 1 && !reader.histogram(entry.response_time.emplace())) {
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
      if ((present & (1U << i)) != 0 && !reader.histogram(entry.timings[i].emplace())) {
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
