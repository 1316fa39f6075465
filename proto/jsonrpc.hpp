// JSON-RPC 2.0 framing shared by the WSS codec (towards the server) and the local protocol
// (towards local clients).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace wssd::proto {

// A JSON-RPC error object, carried as a value.
struct rpc_error {
  std::int64_t code = 0;
  std::string message;
  boost::json::value data;  // null when absent
};

template <class T>
using rpc_result = boost::system::result<T, rpc_error>;

// Why a piece of input could not be understood; the text names what was wrong.
struct failure {
  std::string what;
};

template <class T>
using parsed = boost::system::result<T, failure>;

namespace error_code {
inline constexpr std::int64_t parse_error = -32700;
inline constexpr std::int64_t invalid_request = -32600;
inline constexpr std::int64_t method_not_found = -32601;
inline constexpr std::int64_t invalid_params = -32602;
inline constexpr std::int64_t internal_error = -32603;
}  // namespace error_code

std::string serialize_request(const boost::json::value& id, std::string_view method,
                              boost::json::value params);
std::string serialize_notification(std::string_view method, const boost::json::object& params);
std::string serialize_result(const boost::json::value& id, boost::json::value result);
std::string serialize_error(const boost::json::value& id, const rpc_error& error);

boost::json::object to_json(const rpc_error& error);
// Reads an `error` member; anything that is not a well-formed error object is reported.
parsed<rpc_error> error_from_json(const boost::json::value& v);

// The deepest nesting every parser of wssd takes. The reference server relays what Node's
// JSON.stringify can write back, a little over 4 000 levels; Boost.JSON's default of 32 would
// lose messages that peers can send. Deeper input is refused, never taken for something else.
inline constexpr std::size_t max_json_depth = 5000;

struct json_failure {
  std::string what;
  bool not_json = false;  // a syntax error: the text is no JSON at all (not merely too deep)
};
// Parses one JSON text with wssd's limits, or says why not. The tree's memory comes from
// `storage` (the default heap when null).
boost::system::result<boost::json::value, json_failure> parse_json(
    std::string_view text, boost::json::storage_ptr storage = {});
// Parses one JSON text into an object, or says why it is not one.
parsed<boost::json::object> parse_object(std::string_view text);

// The type of a JSON value as a reader would name it ("string", "array", ...).
std::string_view kind_name(const boost::json::value& v);

}  // namespace wssd::proto
