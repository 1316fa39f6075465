#include "proto/jsonrpc.hpp"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <iterator>

#include "proto/json_parser.hpp"

namespace wssd::proto {

namespace json = boost::json;

std::string serialize_request(const json::value& id, std::string_view method, json::value params) {
  return json::serialize(json::object{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
}

std::string serialize_notification(std::string_view method, const json::object& params) {
  // The envelope is written around the serialised params, so the object is not copied.
  std::string out = R"({"jsonrpc":"2.0","method":)";
  out += json::serialize(json::string(method));
  out += R"(,"params":)";
  out += json::serialize(params);
  out += '}';
  return out;
}

// An id is echoed as it came: Boost.JSON would write 1.5 as 1.5E0.
std::string serialize_id(const json::value& id) {
  if (!id.is_double()) return json::serialize(id);
  char text[32];
  const auto [end, ec] = std::to_chars(std::begin(text), std::end(text), id.get_double());
  return ec == std::errc() ? std::string(text, end) : json::serialize(id);
}

std::string serialize_result(const json::value& id, json::value result) {
  std::string out = R"({"jsonrpc":"2.0","result":)";
  out += json::serialize(result);
  out += R"(,"id":)";
  out += serialize_id(id);
  out += '}';
  return out;
}

std::string serialize_error(const json::value& id, const rpc_error& error) {
  std::string out = R"({"jsonrpc":"2.0","error":)";
  out += json::serialize(to_json(error));
  out += R"(,"id":)";
  out += serialize_id(id);
  out += '}';
  return out;
}

json::object to_json(const rpc_error& error) {
  json::object o{{"code", error.code}, {"message", error.message}};
  if (!error.data.is_null()) o["data"] = error.data;
  return o;
}

parsed<rpc_error> error_from_json(const json::value& v) {
  const auto* o = v.if_object();
  if (!o) return failure{std::string("error is ") + std::string(kind_name(v)) + ", not an object"};
  const auto* code = o->if_contains("code");
  if (!code || !code->is_int64())
    return failure{std::string("error.code is missing or not an integer")};
  rpc_error e;
  e.code = code->as_int64();
  if (const auto* m = o->if_contains("message"); m && m->is_string()) e.message = m->as_string();
  if (const auto* d = o->if_contains("data")) e.data = *d;
  return e;
}

boost::system::result<json::value, json_failure> parse_json(std::string_view text,
                                                            json::storage_ptr storage) {
  json::error_code ec;
  json::value v = parse_exactly(text, ec, std::move(storage));
  if (!ec) return v;
  if (ec == json::error::too_deep) {
    return json_failure{"JSON nested deeper than " + std::to_string(max_json_depth) + " levels"};
  }
  const bool too_large = ec == json::error::exponent_overflow ||
                         ec == json::error::object_too_large ||
                         ec == json::error::array_too_large || ec == json::error::key_too_large ||
                         ec == json::error::string_too_large;
  return json_failure{"malformed JSON: " + ec.message(), !too_large};
}

parsed<json::object> parse_object(std::string_view text) {
  auto v = parse_json(text);
  if (!v) return failure{v.error().what};
  if (!v->is_object()) return failure{"expected a JSON object, got " + std::string(kind_name(*v))};
  return std::move(v->as_object());
}

std::string_view kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "unknown";
}

}  // namespace wssd::proto
