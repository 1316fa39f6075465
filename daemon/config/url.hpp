// The small part of RFC 3986 wssd needs: ws/wss/http/https URLs with a host.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proto/jsonrpc.hpp"

namespace wssd {

struct url {
  std::string scheme;  // lower case: ws, wss, http or https
  std::string host;    // without IPv6 brackets
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"

  bool secure() const { return scheme == "wss" || scheme == "https"; }
};

proto::parsed<url> parse_url(std::string_view text);

}  // namespace wssd
