// Where the metrics listener listens (metrics.listen): a loopback TCP address, 127.0.0.1:9488
// or [::1]:9488, or an absolute Unix socket path. /metrics answers anyone who can connect, so
// nothing beyond this host is accepted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "proto/jsonrpc.hpp"

namespace wssd {

struct tcp_listen_address {
  std::string ip;  // a loopback address literal, without brackets
  std::uint16_t port = 0;
};

struct unix_listen_address {
  std::string path;
};

using listen_address = std::variant<tcp_listen_address, unix_listen_address>;

// A failure says why ("0.0.0.0 is not a loopback address ...").
proto::parsed<listen_address> parse_listen_address(std::string_view text);

}  // namespace wssd
