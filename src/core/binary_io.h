#pragma once
// Little-endian varints, strings and doubles for the journal and snapshot records. Internal to
// the core library. The reader checks every length against what is left, so a damaged record
// fails to decode instead of being trusted.

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

namespace syncmon::binary_io {

// Far above any real record; a damaged length field must not make a decoder allocate wildly.
inline constexpr std::uint64_t kMaxElements = 1U << 24;

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
  bool at_end() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace syncmon::binary_io
