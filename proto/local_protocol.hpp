// The local socket protocol (DESIGN.md, "Local socket protocol"): JSON-RPC 2.0, one object
// per line. Shared by the daemon's socket server and the client library.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/jsonrpc.hpp"

namespace wssd::proto {

inline constexpr int local_protocol_version = 1;

struct local_request {
  std::optional<boost::json::value> id;  // none: a notification, answered with nothing
  std::string method;
  boost::json::object params;
  std::size_t size = 0;  // of the line it came in, for the outbox's byte bound
};

// A line that is no request: the error to answer, with the id when one could be read.
struct bad_request {
  boost::json::value id;
  rpc_error error;
};

// -32700 for bad JSON, -32600 for a non-request, -32602 for non-object params.
boost::system::result<local_request, bad_request> parse_local_request(std::string_view line);

// Reading params; each failure names the parameter and what it should be.
parsed<std::string> string_param(const boost::json::object& params, std::string_view key);
parsed<std::vector<std::string>> string_list_param(const boost::json::object& params,
                                                   std::string_view key, bool required);
parsed<std::optional<std::uint64_t>> count_param(const boost::json::object& params,
                                                 std::string_view key);

}  // namespace wssd::proto
