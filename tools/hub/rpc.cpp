#include "tools/hub/rpc.hpp"

#include <utility>

#include "tools/hub/js_json.hpp"

namespace wss_hub {
namespace json = boost::json;

namespace {

// A member lookup that, like JavaScript, finds nothing on non-objects.
const json::value* member(const json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  return o == nullptr ? nullptr : o->if_contains(key);
}

bool null_or_absent(const json::value* v) {
  return v == nullptr || v->is_null();
}

}  // namespace

rpc_error make_error(int code, std::string message) {
  return rpc_error{code, std::move(message), std::nullopt};
}

std::string result_frame(const json::value& id, json::object result) {
  return js_stringify(json::object{{"jsonrpc", "2.0"}, {"result", std::move(result)}, {"id", id}});
}

std::string error_frame(const json::value& id, const rpc_error& error) {
  json::object body{{"code", error.code}};
  if (error.message) body.emplace("message", *error.message);
  if (error.data) body.emplace("data", *error.data);
  return js_stringify(json::object{{"jsonrpc", "2.0"}, {"error", std::move(body)}, {"id", id}});
}

std::string push_frame(json::object result) {
  return js_stringify(json::object{{"jsonrpc", "2.0"}, {"result", std::move(result)}});
}

json::value response_id(const json::value& request) {
  const auto* id = member(request, "id");
  return id == nullptr ? json::value() : *id;
}

std::optional<std::string> validate_request(const json::value& request) {
  const auto* version = member(request, "jsonrpc");
  if (null_or_absent(version)) return R"(Missing "jsonrpc" property.)";
  if (!js_loosely_equals(*version, "2.0")) {
    // Sic: the reference server's message ends with two quotes.
    return R"(Expecting JSON-RPC version "2.0" (exactly). Got ")" + js_to_string(*version) +
           R"("")";
  }
  const auto* method = member(request, "method");
  if (null_or_absent(method)) return R"(Missing "method" property.)";
  if (!method->is_string()) return R"(Property "method" must be a string.)";
  if (method->get_string().find_first_not_of(' ') == json::string::npos) {
    return R"(Property "method" is empty.)";
  }
  return std::nullopt;
}

}  // namespace wss_hub
