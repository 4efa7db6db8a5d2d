#pragma once
// "host:port" as the config and --listen give it: an IPv4 literal, a bracketed IPv6 literal,
// or "localhost".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace syncmon {

struct ListenAddress {
  std::string host;  // without brackets
  std::uint16_t port = 0;

  bool is_loopback() const;
  std::string str() const;  // brackets restored for IPv6
};

std::optional<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace syncmon
