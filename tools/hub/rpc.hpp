// JSON-RPC 2.0 framing as the reference server writes it: response, error and push frames
// with its key order, and its request validation with its messages.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace wss_hub {

namespace rpc_code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int session_close = -32001;
inline constexpr int wrong_transport = -32002;
inline constexpr int action_disallowed = -32003;
}  // namespace rpc_code

// What the server says when a method throws (a TypeError on missing params, a send to a
// closing socket, ...).
inline constexpr const char* internal_error_message =
    "An internal server error occurred while processing your request.";

struct rpc_error {
  int code = 0;
  std::optional<std::string> message;  // the server can send an error without one
  std::optional<boost::json::value> data;
};

rpc_error make_error(int code, std::string message);

// {"jsonrpc":"2.0","result":{…},"id":ID}
std::string result_frame(const boost::json::value& id, boost::json::object result);
// {"jsonrpc":"2.0","error":{"code":C,"message":M[,"data":D]},"id":ID}
std::string error_frame(const boost::json::value& id, const rpc_error& error);
// {"jsonrpc":"2.0","result":{…}}: no id, so clients can tell it from a response.
std::string push_frame(boost::json::object result);

// The id a response echoes: the request's, or null when it has none.
boost::json::value response_id(const boost::json::value& request);

// The server's validateJSONRPC: the -32600 message for a request it rejects.
std::optional<std::string> validate_request(const boost::json::value& request);

}  // namespace wss_hub
