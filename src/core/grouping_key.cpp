#include "syncmon/grouping_key.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "syncmon/label_rules.h"
#include "syncmon/text_format_parser.h"
#include "syncmon/url_encoding.h"

namespace syncmon {
namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

ApiError bad_key(std::string message) { return ApiError{400, std::move(message), "grouping key", "invalid_grouping_key"}; }

}  // namespace

std::optional<std::string> decode_base64_url(std::string_view text) {
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
  }
  if (text.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int value = base64_value(c);
    if (value < 0) {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero, as Go's strict decoder requires.
  if ((buffer & ((1U << bits) - 1)) != 0) {
    return std::nullopt;
  }
  return out;
}

Expected<GroupingKey, ApiError> parse_grouping_key(std::string_view path, std::size_t max_label_value_length) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = path.find('/', start);
    segments.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  if (segments.size() % 2 != 0) {
    return unexpected(bad_key(fmt::format("odd number of components in the grouping key \"{}\"", path.substr(0, 200))));
  }
  GroupingKey key;
  for (std::size_t i = 0; i < segments.size(); i += 2) {
    auto name = percent_decode(segments[i]);
    auto raw_value = percent_decode(segments[i + 1]);
    if (!name || !raw_value) {
      return unexpected(bad_key("the grouping key holds a malformed percent-encoding"));
    }
    bool base64 = false;
    if (name->ends_with("@base64")) {
      base64 = true;
      name->resize(name->size() - 7);
    }
    if (!is_valid_label_name(*name) || name->starts_with("__")) {
      return unexpected(bad_key(fmt::format("improper label name \"{}\"", name->substr(0, 100))));
    }
    if (i == 0 && *name != "job") {
      return unexpected(bad_key("the grouping key must start with job/<job name>"));
    }
    std::string value = std::move(*raw_value);
    if (!base64 && value.empty()) {
      return unexpected(bad_key(fmt::format("label {} has an empty value; an empty value must be written "
                                            "{}@base64/=",
                                            *name, *name)));
    }
    if (base64) {
      auto decoded = decode_base64_url(value);
      if (!decoded) {
        return unexpected(bad_key(fmt::format("invalid base64 encoding for label {}", *name)));
      }
      value = std::move(*decoded);
    }
    if (!is_valid_utf8(value)) {
      return unexpected(bad_key(fmt::format("the value of grouping label {} is not valid UTF-8", *name)));
    }
    if (value.size() > max_label_value_length) {
      return unexpected(bad_key(fmt::format("the value of grouping label {} is longer than "
                                            "limits.max_label_value_length ({})",
                                            *name, max_label_value_length)));
    }
    if (i == 0 && value.empty()) {
      return unexpected(bad_key("the job name must not be empty"));
    }
    if (std::any_of(key.begin(), key.end(), [&](const LabelPair& label) { return label.name == *name; })) {
      return unexpected(bad_key(fmt::format("label {} appears twice in the grouping key", *name)));
    }
    key.push_back({std::move(*name), std::move(value)});
  }
  std::sort(key.begin(), key.end(), [](const LabelPair& a, const LabelPair& b) { return a.name < b.name; });
  // {job="x", instance=""} and {job="x"} show the same series; treat them as one group.
  std::erase_if(key, [](const LabelPair& label) { return label.name == "instance" && label.value.empty(); });
  return key;
}

}  // namespace syncmon
