#include "proto/wss_codec.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>

namespace wssd::proto {

namespace json = boost::json;

namespace {

json::object token_params(const session_tokens& tokens) {
  return {{"user_token", tokens.user_token}, {"server_token", tokens.server_token}};
}

std::optional<std::string> optional_string(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
  return std::nullopt;
}

std::optional<json::value> optional_value(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key)) return *v;
  return std::nullopt;
}

parsed<push> decode_session_push(const json::object& result) {
  if (const auto* pid = result.if_contains("connect")) {
    if (!pid->is_string()) return failure{std::string("session push: connect is not a string")};
    json::object options;
    if (const auto* o = result.if_contains("options"); o && o->is_object())
      options = o->as_object();
    return push{peer_connected{std::string(pid->as_string()), std::move(options)}};
  }
  if (const auto* pid = result.if_contains("disconnect")) {
    if (!pid->is_string()) return failure{std::string("session push: disconnect is not a string")};
    return push{peer_disconnected{std::string(pid->as_string())}};
  }
  // The server nests the change under result.change; the browser client read it flat.
  const json::object* change = &result;
  if (const auto* c = result.if_contains("change")) {
    if (!c->is_object()) return failure{std::string("session push: change is not an object")};
    change = &c->as_object();
  }
  auto old_id = optional_string(*change, "oldPrivateID");
  auto new_id = optional_string(*change, "newPrivateID");
  if (old_id && new_id) return push{peer_changed_id{std::move(*old_id), std::move(*new_id)}};
  return failure{std::string("session push without connect, disconnect or change")};
}

parsed<push> decode_push(const json::object& frame) {
  const auto* result = frame.if_contains("result");
  if (!result) return failure{std::string("frame has neither id nor result")};
  if (!result->is_object()) return failure{std::string("push result is not an object")};
  const auto& r = result->as_object();
  const auto type = optional_string(r, "type");
  if (!type) return failure{std::string("push without a string type")};
  if (*type == "session") return decode_session_push(r);
  if (*type == "direct" || *type == "broadcast") {
    auto kind = *type == "direct" ? message_kind::direct : message_kind::broadcast;
    return push{peer_message{kind, optional_string(r, "from"), optional_value(r, "data")}};
  }
  if (*type == "update")
    return push{server_update{optional_string(r, "from"), optional_value(r, "data")}};
  return failure{"push of unknown type \"" + *type + "\""};
}

parsed<response> decode_response(json::object& frame) {
  response r{frame["id"], rpc_error{}};
  if (const auto* error = frame.if_contains("error")) {
    auto e = error_from_json(*error);
    if (!e) return failure{"response " + json::serialize(r.id) + ": " + e.error().what};
    r.outcome = std::move(*e);
  } else if (auto* result = frame.if_contains("result")) {
    r.outcome = std::move(*result);
  } else {
    return failure{"response " + json::serialize(r.id) + " has neither result nor error"};
  }
  return r;
}

}  // namespace

std::string handshake_request(const json::value& id, std::string_view user_token) {
  return serialize_request(id, "WSS_Handshake", {{"user_token", user_token}});
}

std::string connect_request(const json::value& id, const session_tokens& tokens,
                            json::object options) {
  auto params = token_params(tokens);
  params["options"] = std::move(options);
  return serialize_request(id, "WSS_Connect", std::move(params));
}

namespace {

// Every relayed message is framed by these: they write into the request itself, with no
// temporary json::value or string per member (the profile's allocations per message).
template <class T>
void append_json(std::string& out, const T& what) {
  json::serializer sr;
  sr.reset(what);
  while (!sr.done()) {
    const auto used = out.size();
    out.resize(std::max(out.capacity(), used + 64));
    out.resize(used + sr.read(out.data() + used, out.size() - used).size());
  }
}

void append_string(std::string& out, std::string_view s) {
  append_json(out, json::string_view(s.data(), s.size()));
}

void append_value(std::string& out, const json::value& v) {
  append_json(out, &v);
}

// {"rcp":["a","b"]}: a bare array would be silently ignored by the server.
void append_recipients(std::string& out, const std::vector<std::string>& ids) {
  out += R"({"rcp":[)";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    append_string(out, ids[i]);
  }
  out += "]}";
}

}  // namespace

std::string_view to_string(command_kind kind) {
  switch (kind) {
    case command_kind::direct:
      return "direct";
    case command_kind::broadcast:
      return "broadcast";
    case command_kind::set_private_id:
      return "set_private_id";
  }
  return "direct";
}

std::optional<command_kind> command_kind_from(std::string_view name) {
  for (const auto kind :
       {command_kind::direct, command_kind::broadcast, command_kind::set_private_id}) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

command direct_command(const std::vector<std::string>& to, const json::value& data) {
  command c{command_kind::direct, R"("type":"direct","to":)", {}};
  append_recipients(c.body, to);
  if (!data.is_null()) {
    c.body += R"(,"data":)";
    append_value(c.body, data);
  }
  return c;
}

command broadcast_command(const json::value& data, const std::vector<std::string>& exclude) {
  command c{command_kind::broadcast, R"("type":"broadcast")", {}};
  if (!exclude.empty()) {
    c.body += R"(,"exclude":)";
    append_recipients(c.body, exclude);
  }
  if (!data.is_null()) {
    c.body += R"(,"data":)";
    append_value(c.body, data);
  }
  return c;
}

command set_private_id_command(std::string_view private_id) {
  command c{command_kind::set_private_id, R"("action":"setPID","privateID":)",
            std::string(private_id)};
  append_string(c.body, private_id);
  return c;
}

std::string request_for(const json::value& id, const session_tokens& tokens, const command& c) {
  std::string out;
  out.reserve(128 + tokens.user_token.size() + tokens.server_token.size() + c.body.size());
  out += R"({"jsonrpc":"2.0","id":)";
  append_value(out, id);
  out += c.kind == command_kind::set_private_id ? R"(,"method":"WSS_Session")"
                                                : R"(,"method":"WSS_Send")";
  out += R"(,"params":{"user_token":)";
  append_string(out, tokens.user_token);
  out += R"(,"server_token":)";
  append_string(out, tokens.server_token);
  out += ',';
  out += c.body;
  out += "}}";
  return out;
}

bool is_never_answered(std::string_view method) {
  static constexpr std::string_view members[] = {
      "constructor",      "__defineGetter__", "__defineSetter__", "hasOwnProperty",
      "__lookupGetter__", "__lookupSetter__", "isPrototypeOf",    "propertyIsEnumerable",
      "toString",         "valueOf",          "__proto__",        "toLocaleString"};
  return std::find(std::begin(members), std::end(members), method) != std::end(members);
}

parsed<frame> decode_frame(std::string_view text) {
  auto object = parse_object(text);
  if (!object) return object.error();
  // The only way to tell a response from a push: whether the id key is there at all.
  if (object->contains("id")) {
    auto r = decode_response(*object);
    if (!r) return r.error();
    return frame{std::move(*r)};
  }
  auto p = decode_push(*object);
  if (!p) return p.error();
  return frame{std::move(*p)};
}

std::string_view to_string(message_kind kind) {
  return kind == message_kind::direct ? "direct" : "broadcast";
}

parsed<std::string> server_token_from(const json::value& handshake_result) {
  const auto* o = handshake_result.if_object();
  if (!o) return failure{std::string("handshake result is not an object")};
  auto token = optional_string(*o, "server_token");
  if (!token || token->empty()) return failure{std::string("handshake result has no server_token")};
  return std::move(*token);
}

parsed<connect_result> connect_result_from(const json::value& result) {
  const auto* o = result.if_object();
  if (!o) return failure{std::string("connect result is not an object")};
  connect_result r;
  auto pid = optional_string(*o, "private_id");
  if (!pid || pid->empty()) return failure{std::string("connect result has no private_id")};
  r.private_id = std::move(*pid);
  const auto* connect = o->if_contains("connect");
  if (!connect || connect->is_null()) return r;
  if (!connect->is_array()) return failure{std::string("connect result: connect is not an array")};
  const json::array* options = nullptr;
  if (const auto* opts = o->if_contains("options"); opts && opts->is_array())
    options = &opts->as_array();
  const auto& pids = connect->as_array();
  for (std::size_t i = 0; i < pids.size(); ++i) {
    if (!pids[i].is_string())
      return failure{std::string("connect result: a peer id is not a string")};
    json::object peer_options;
    if (options && i < options->size() && (*options)[i].is_object()) {
      peer_options = (*options)[i].as_object();
    }
    r.peers.push_back({std::string(pids[i].as_string()), std::move(peer_options)});
  }
  return r;
}

parsed<std::string> private_id_from(const json::value& session_result) {
  const auto* o = session_result.if_object();
  if (!o) return failure{std::string("session result is not an object")};
  auto pid = optional_string(*o, "privateID");
  if (!pid) return failure{std::string("session result has no privateID")};
  return std::move(*pid);
}

}  // namespace wssd::proto
