#include "syncmon/json_path.h"

#include <algorithm>

#include <fmt/format.h>

namespace syncmon {
namespace {

bool is_identifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// `.name` for plain names, `["0.01"]` for anything else (bucket bounds, odd client keys).
void append_field(std::string& out, std::string_view name) {
  if (is_identifier(name)) {
    out += '.';
    out += name;
    return;
  }
  out += "[\"";
  for (char c : name) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += "\"]";
}

}  // namespace

std::string JsonPath::str() const {
  std::string out = "$";
  for (const auto& segment : segments_) {
    if (const auto* field = std::get_if<std::string_view>(&segment)) {
      append_field(out, *field);
    } else {
      out += fmt::format("[{}]", std::get<std::size_t>(segment));
    }
  }
  return out;
}

std::string JsonPath::with(std::string_view field) const {
  std::string out = str();
  append_field(out, field);
  return out;
}

}  // namespace syncmon
