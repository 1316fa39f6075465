#include "proto/local_protocol.hpp"

#include <boost/json/monotonic_resource.hpp>

namespace wssd::proto {

namespace json = boost::json;

namespace {

// A request line is read, turned into a command or an answer, and let go: its tree goes into
// one block instead of a dozen allocations. A long line is mostly its payload, whose one
// allocation the heap serves as well, without a block that grows to twice its size.
constexpr std::size_t one_block_below = 64 * 1024;

json::storage_ptr storage_for(std::string_view line) {
  if (line.size() >= one_block_below) return {};
  return json::make_shared_resource<json::monotonic_resource>(2 * line.size() + 256);
}

}  // namespace

boost::system::result<local_request, bad_request> parse_local_request(std::string_view line) {
  auto value = parse_json(line, storage_for(line));
  if (!value) return bad_request{nullptr, {error_code::parse_error, value.error().what, {}}};
  // Valid JSON that is no request object is an invalid request, a batch included.
  if (value->is_array()) {
    return bad_request{
        nullptr,
        {error_code::invalid_request, "batches are not supported: one request per line", {}}};
  }
  if (!value->is_object()) {
    return bad_request{nullptr,
                       {error_code::invalid_request,
                        "expected a request object, got " + std::string(kind_name(*value)),
                        {}}};
  }
  auto* object = &value->as_object();
  std::optional<json::value> given_id;
  if (const auto* id = object->if_contains("id")) {
    if (!id->is_string() && !id->is_number() && !id->is_null()) {
      return bad_request{
          nullptr, {error_code::invalid_request, "id must be a string, a number or null", {}}};
    }
    given_id.emplace(*id, json::storage_ptr());
  }
  const json::value id = given_id.value_or(nullptr);
  const auto* version = object->if_contains("jsonrpc");
  if (!version || *version != "2.0") {
    return bad_request{id, {error_code::invalid_request, "jsonrpc must be \"2.0\"", {}}};
  }
  const auto* method = object->if_contains("method");
  if (!method || !method->is_string()) {
    return bad_request{id, {error_code::invalid_request, "method must be a string", {}}};
  }
  auto* params = object->if_contains("params");
  if (params && !params->is_object() && !params->is_null()) {
    return bad_request{id, {error_code::invalid_params, "params must be an object", {}}};
  }
  // Moved, not copied (params hold the payload): constructed from it, so that they keep the
  // line's storage; an assignment would copy them into the member's.
  return local_request{
      std::move(given_id), std::string(method->as_string()),
      params && params->is_object() ? std::move(params->as_object()) : json::object()};
}

parsed<std::string> string_param(const json::object& params, std::string_view key) {
  const auto* v = params.if_contains(key);
  if (!v || !v->is_string()) {
    return failure{std::string(key) + " must be a string" +
                   (v ? ", got " + std::string(kind_name(*v)) : "")};
  }
  return std::string(v->as_string());
}

parsed<std::vector<std::string>> string_list_param(const json::object& params, std::string_view key,
                                                   bool required) {
  const auto* v = params.if_contains(key);
  if (!v || v->is_null()) {
    if (required) return failure{std::string(key) + " is required (an array of strings)"};
    return std::vector<std::string>{};
  }
  if (!v->is_array()) {
    return failure{std::string(key) + " must be an array of strings, got " +
                   std::string(kind_name(*v))};
  }
  std::vector<std::string> out;
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) {
      return failure{std::string(key) + " must hold only strings, found " +
                     std::string(kind_name(item))};
    }
    out.emplace_back(item.as_string());
  }
  return out;
}

parsed<std::optional<std::uint64_t>> count_param(const json::object& params, std::string_view key) {
  const auto* v = params.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::uint64_t>{};
  if (v->is_uint64()) return std::optional<std::uint64_t>{v->get_uint64()};
  if (v->is_int64() && v->get_int64() >= 0) {
    return std::optional<std::uint64_t>{static_cast<std::uint64_t>(v->get_int64())};
  }
  return failure{std::string(key) + " must be a whole number ≥ 0"};
}

}  // namespace wssd::proto
