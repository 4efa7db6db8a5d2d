#include "syncmon/label_rules.h"

#include <cstdint>

#include <fmt/format.h>

namespace syncmon {

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto byte = static_cast<std::uint8_t>(text[i]);
    if (byte < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code_point = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code_point = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > n) {
      return false;
    }
    for (std::size_t k = 1; k < length; ++k) {
      const auto continuation = static_cast<std::uint8_t>(text[i + k]);
      if ((continuation & 0xC0) != 0x80) {
        return false;
      }
      code_point = (code_point << 6) | (continuation & 0x3F);
    }
    // Overlong encodings, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
    constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinimum[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::optional<std::string> label_value_problem(std::string_view value, std::size_t max_bytes) {
  if (value.empty()) {
    return std::string("must not be empty");
  }
  if (value.size() > max_bytes) {
    return fmt::format("is {} bytes long, more than the limit of {}", value.size(), max_bytes);
  }
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      return std::string("must not contain control characters");
    }
  }
  if (!is_valid_utf8(value)) {
    return std::string("is not valid UTF-8");
  }
  return std::nullopt;
}

std::optional<std::string> entity_id_problem(std::string_view id) {
  if (id.empty()) {
    return std::string("must not be empty");
  }
  if (id.size() > kMaxEntityIdBytes) {
    return fmt::format("is longer than {} bytes", kMaxEntityIdBytes);
  }
  if (id.front() == '.') {
    return std::string("must not start with a dot");
  }
  for (const char c : id) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                         c == '_' || c == ':' || c == '-';
    if (!allowed) {
      return std::string("may hold only letters, digits, '.', '_', ':' and '-'");
    }
  }
  return std::nullopt;
}

}  // namespace syncmon
