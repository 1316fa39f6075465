#include "tools/hub/hub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "proto/identity.hpp"
#include "proto/wss_codec.hpp"
#include "tools/hub/array_like.hpp"
#include "tools/hub/js_json.hpp"

namespace wss_hub {
namespace json = boost::json;

namespace {

// The server refuses batches longer than this, with an error that has no message.
constexpr std::size_t max_batch_requests = 5;

bool is_system_extension(std::string_view name) {
  const auto first = name.find_first_not_of(" \t\n\r\f\v");
  return first != std::string_view::npos && name.substr(first).substr(0, 4) == "rpc:";
}

rpc_error internal_error() {
  return make_error(rpc_code::internal_error, internal_error_message);
}

rpc_error invalid_params(std::string message) {
  return make_error(rpc_code::invalid_params, std::move(message));
}

rpc_error session_close(std::string message) {
  return make_error(rpc_code::session_close, std::move(message));
}

const json::value* member(const json::value* v, std::string_view key) {
  const auto* o = v == nullptr ? nullptr : v->if_object();
  return o == nullptr ? nullptr : o->if_contains(key);
}

std::optional<std::string_view> string_member(const json::value* v, std::string_view key) {
  const auto* m = member(v, key);
  if (m == nullptr || !m->is_string()) return std::nullopt;
  return std::string_view(m->get_string());
}

bool null_or_absent(const json::value* v) {
  return v == nullptr || v->is_null();
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// isExcluded(): anything with a numeric `rcp.length` is searched; anything else excludes no one.
bool is_excluded(const json::value& private_id, const json::value* exclude) {
  const auto* rcp = member(exclude, "rcp");
  if (null_or_absent(rcp)) return false;
  const auto list = array_like::of(*rcp);
  if (!list) return false;
  for (std::size_t i = 0; i < list->iterations(); ++i) {
    if (js_loosely_equals(&private_id, list->at(i))) return true;
  }
  return false;
}

// A peer's direct or broadcast message: `from` is left out when the sender has no private id.
json::object peer_message(std::string_view type, const std::optional<json::value>& from,
                          const json::value* data) {
  json::object message{{"type", type}};
  if (from) message.emplace("from", *from);
  if (data != nullptr) message.emplace("data", *data);
  return message;
}

}  // namespace

hub::hub(hub_options options, open_probe is_open)
    : options_(options), is_open_(std::move(is_open)) {}

std::vector<outgoing> hub::on_frame(const request_source& source, std::string_view text) {
  std::vector<outgoing> out;
  const auto request = js_parse(text);
  // The server tests `parsed != null && parsed != ""`, so false, 0 and [] count as empty.
  if (!request || request->is_null() || js_loosely_equals(*request, "")) {
    const auto error = make_error(rpc_code::parse_error, "Request empty or malformed.");
    out.push_back({source.conn, error_frame(json::value(), error)});
  } else if (request->is_array() || request->is_string()) {
    // Anything with a numeric `length` is taken for a batch, strings included.
    handle_batch(source, *request, out);
  } else {
    handle_single(source, *request, out);
  }
  return out;
}

std::vector<outgoing> hub::on_close(conn_id conn) {
  std::vector<outgoing> out;
  // One close listener per WSS_Connect on this socket, each removing one entry.
  while (const auto removed = table_.remove_first_bound_to(conn)) {
    spdlog::debug("hub: {} disconnected", removed->private_id.value_or("(null)"));
    announce_disconnect(removed->private_id_value(), out);
  }
  if (!options_.leak_handshakes) table_.remove_unconnected_created_by(conn);
  return out;
}

hub::resolved_method hub::resolve(std::string_view name) {
  if (name == "WSS_Handshake") return {&hub::handshake, std::nullopt};
  if (name == "WSS_Connect") return {&hub::connect, std::nullopt};
  if (name == "WSS_Send") return {&hub::send, std::nullopt};
  if (name == "WSS_Session") return {&hub::session, std::nullopt};
  if (wssd::proto::is_never_answered(name)) return {nullptr, std::nullopt};
  if (is_system_extension(name)) {
    return {nullptr, make_error(rpc_code::invalid_request,
                                R"(System extensions ("rpc:") are not implemented.)")};
  }
  return {nullptr, make_error(rpc_code::method_not_found,
                              "Method \"" + std::string(name) + "\" does not exist.")};
}

void hub::handle_single(const request_source& source, const json::value& request,
                        std::vector<outgoing>& out) {
  const auto id = response_id(request);
  if (const auto invalid = validate_request(request)) {
    out.push_back({source.conn, error_frame(id, make_error(rpc_code::invalid_request, *invalid))});
    return;
  }
  const std::string_view name = request.get_object().at("method").get_string();
  const auto method = resolve(name);
  if (method.error) {
    out.push_back({source.conn, error_frame(id, *method.error)});
    return;
  }
  if (method.fn == nullptr) {
    spdlog::debug("hub: {} left unanswered, as the reference server does", name);
    return;
  }
  // `params: null` throws on the first member access, like no params at all.
  const auto* params = member(&request, "params");
  if (params != nullptr && params->is_null()) params = nullptr;
  const auto result = (this->*method.fn)(call{source, params, out});
  if (const auto* error = std::get_if<rpc_error>(&result)) {
    spdlog::debug("hub: {} from {} -> {}", name, source.ip, error->code);
    out.push_back({source.conn, error_frame(id, *error)});
  } else {
    spdlog::debug("hub: {} from {} -> ok", name, source.ip);
    out.push_back({source.conn, result_frame(id, std::get<json::object>(result))});
  }
}

// Mirrors the reference server's batch loop: every error has a null id (it reads the id of
// the array); sync errors go out at once, methods that throw answer -32603 afterwards, and
// an invalid element ends the loop.
void hub::handle_batch(const request_source& source, const json::value& batch,
                       std::vector<outgoing>& out) {
  const auto reply = [&](const rpc_error& error) {
    out.push_back({source.conn, error_frame(json::value(), error)});
  };
  const std::size_t length =
      batch.is_string() ? js_length(batch.get_string()) : batch.get_array().size();
  if (length > max_batch_requests) {
    reply(rpc_error{rpc_code::internal_error, std::nullopt, std::nullopt});
    return;
  }
  std::vector<rpc_error> thrown;
  for (std::size_t i = 0; i < length; ++i) {
    // A character of a string is a request without "jsonrpc".
    const json::value element = batch.is_string() ? json::value("") : batch.get_array()[i];
    if (element.is_null()) break;  // validating null throws out of the loop
    if (const auto invalid = validate_request(element)) {
      reply(make_error(rpc_code::invalid_request, *invalid));
      break;
    }
    const auto method = resolve(element.get_object().at("method").get_string());
    if (method.error) {
      reply(*method.error);
      continue;
    }
    if (method.fn == nullptr) break;
    // The array has no params: each method fails, either before reading them or on them.
    auto result = (this->*method.fn)(call{source, nullptr, out});
    auto& error = std::get<rpc_error>(result);
    if (error.code == rpc_code::internal_error) {
      thrown.push_back(std::move(error));
    } else {
      reply(error);
    }
  }
  for (const auto& error : thrown) reply(error);
}

hub::method_result hub::handshake(const call& c) {
  if (c.params == nullptr) return internal_error();
  // The server takes any user token, even none, and compares them with `==`.
  const auto* user_token = member(c.params, "user_token");
  if (table_.has_user_token(user_token)) {
    return session_close("User token already exists for your IP.");
  }
  const bool first_from_ip = !table_.has_group(c.source.ip);
  const auto& entries = table_.entries_of(c.source.ip);
  if (!first_from_ip && entries.size() >= options_.max_per_ip) {
    auto error = session_close("Too many connections from your IP.");
    error.data =
        json::object{{"numconnections", entries.size()}, {"maxconnections", options_.max_per_ip}};
    return error;
  }
  const auto server_token = wssd::proto::random_token();
  session_entry entry;
  if (user_token != nullptr) entry.user_token = *user_token;
  entry.server_token = server_token;
  entry.creator = c.source.conn;
  table_.add(c.source.ip, std::move(entry));
  const std::size_t count = table_.entries_of(c.source.ip).size();
  // Sic: the first handshake from an IP counts the whole table, later ones only that IP.
  const std::size_t peers = first_from_ip ? table_.size() : count;
  return json::object{{"message", "accept"},
                      {"numconnections", count},
                      {"maxconnections", options_.max_per_ip},
                      {"peerconnections", peers},
                      {"server_token", server_token}};
}

hub::method_result hub::connect(const call& c) {
  if (c.source.transport == transport_kind::http) {
    return make_error(rpc_code::wrong_transport,
                      "Session must be created through a WebSocket connection.");
  }
  if (c.params == nullptr) return internal_error();
  const auto* options = member(c.params, "options");
  if (options == nullptr || !js_typeof_object(*options)) {
    return invalid_params("Connection options not supplied or not an object.");
  }
  if (table_.entries_of(c.source.ip).empty()) {
    return session_close("Session handshake not established.");
  }
  auto* entry = table_.first_with_user_token(c.source.ip, member(c.params, "user_token"));
  if (entry == nullptr) return session_close("Socket session can't be established at this time.");
  if (!tokens_match(*entry, c)) return session_close("Token mismatch.");
  if (entry->connected()) return session_close("Socket session exists.");
  return bind_session(c, *entry);
}

hub::method_result hub::bind_session(const call& c, session_entry& entry) {
  const auto& options = *member(c.params, "options");
  const auto* user_token = member(c.params, "user_token");
  entry.socket = c.source.conn;
  entry.private_id = make_private_id(c);
  entry.options = options;
  json::array peers;
  json::array peer_options;
  for (const auto* peer : table_.connected()) {
    if (js_loosely_equals(peer->user_token_value(), user_token)) continue;
    json::object announcement{
        {"type", "session"}, {"connect", entry.private_id_value()}, {"options", options}};
    if (!push(c.out, peer->socket, std::move(announcement))) return internal_error();
    peers.push_back(peer->private_id_value());
    peer_options.push_back(peer->options);
  }
  return json::object{{"message", "open"},
                      {"connect", std::move(peers)},
                      {"options", std::move(peer_options)},
                      {"private_id", entry.private_id_value()}};
}

hub::method_result hub::send(const call& c) {
  if (c.source.transport == transport_kind::http) {
    return make_error(rpc_code::wrong_transport,
                      "WebSocket connect request must be made through a WebSocket connection.");
  }
  // handshakeOK() looks at the table before the params: without entries nothing throws.
  if (table_.entries_of(c.source.ip).empty()) return session_close("Handshake not established.");
  if (c.params == nullptr) return internal_error();
  // Any entry that handshook will do, connected or not: only unknown tokens are refused.
  const auto* sender = table_.first_with_user_token(c.source.ip, member(c.params, "user_token"));
  if (sender == nullptr || !tokens_match(*sender, c)) {
    return session_close("Handshake not established.");
  }
  const auto* type = member(c.params, "type");
  if (null_or_absent(type)) return invalid_params(R"(Message "type" not specified.)");
  const auto from = caller_private_id(c);
  if (!type->is_string()) return internal_error();  // type.toLowerCase() throws
  const auto kind = ascii_lower(type->get_string());
  if (kind == "direct") return send_direct(c, from);
  if (kind == "broadcast") return send_broadcast(c, from);
  return invalid_params(R"(Unrecognized message "type".)");
}

hub::method_result hub::send_direct(const call& c, const std::optional<json::value>& from) {
  const auto* to = member(c.params, "to");
  if (null_or_absent(to)) return invalid_params(R"(Recipient(s) "to" not specified.)");
  if (!js_typeof_object(*to)) return invalid_params(R"(Recipient(s) "to" must be an object.)");
  const auto* rcp = member(to, "rcp");
  if (rcp == nullptr || !js_typeof_object(*rcp)) {
    return invalid_params(R"(Recipient(s) "to.rcp" must be an array.)");
  }
  if (rcp->is_null()) return internal_error();  // rcp.length throws
  const auto recipients = array_like::of(*rcp);
  if (!recipients) return invalid_params(R"(Recipient(s) "to.rcp" must be an array.)");
  const auto* data = member(c.params, "data");
  // sendDirect() verbatim: peers outside, recipients inside, and its early break.
  double sent = 0;
  for (const auto* peer : table_.connected()) {
    const auto peer_id = peer->private_id_value();
    for (std::size_t i = 0; i < recipients->iterations(); ++i) {
      if (js_loosely_equals(recipients->at(i), &peer_id)) {
        if (!push(c.out, peer->socket, peer_message("direct", from, data))) {
          return internal_error();
        }
        ++sent;
      }
      if (sent >= recipients->length()) break;
    }
  }
  return json::object{{"message", "ok"}};
}

hub::method_result hub::send_broadcast(const call& c, const std::optional<json::value>& from) {
  const auto* data = member(c.params, "data");
  const auto* exclude = member(c.params, "exclude");
  const json::value* sender = from ? &*from : nullptr;
  for (const auto* peer : table_.connected()) {
    const auto peer_id = peer->private_id_value();
    if (js_loosely_equals(&peer_id, sender) || is_excluded(peer_id, exclude)) continue;
    if (!push(c.out, peer->socket, peer_message("broadcast", from, data))) return internal_error();
  }
  return json::object{{"message", "ok"}};
}

hub::method_result hub::session(const call& c) {
  if (c.params == nullptr) return internal_error();
  if (js_missing_or_empty(member(c.params, "server_token"))) {
    return invalid_params("Invalid server token.");
  }
  if (js_missing_or_empty(member(c.params, "user_token"))) {
    return invalid_params("Invalid user token.");
  }
  const auto action = string_member(c.params, "action");
  if (!action) return invalid_params(R"(Invalid "action" parameter.)");
  // By tokens, on any transport: the caller must hold those of a connected session.
  const auto own = caller_private_id(c);
  if (!own || own->is_null()) {
    return make_error(rpc_code::action_disallowed, "Session not established.");
  }
  if (*action == "setPID") return set_private_id(c, *own);
  if (*action == "getPID") return get_private_id(c);
  return invalid_params(R"(Unrecognized "action".)");
}

hub::method_result hub::set_private_id(const call& c, const json::value& old_private_id) {
  const auto new_private_id = string_member(c.params, "privateID");
  if (!new_private_id) return invalid_params(R"(Invalid "privateID" parameter.)");
  const auto* user_token = member(c.params, "user_token");
  json::object result;
  for (auto* entry :
       table_.with_tokens(c.source.ip, user_token, member(c.params, "server_token"))) {
    entry->private_id = std::string(*new_private_id);
    result["privateID"] = *new_private_id;
  }
  json::object change;
  if (const auto* changed = result.if_contains("privateID"))
    change.emplace("newPrivateID", *changed);
  change.emplace("oldPrivateID", old_private_id);
  for (const auto* peer : table_.connected()) {
    if (js_loosely_equals(peer->user_token_value(), user_token)) continue;
    if (!push(c.out, peer->socket, json::object{{"type", "session"}, {"change", change}})) {
      return internal_error();
    }
  }
  return result;
}

hub::method_result hub::get_private_id(const call& c) {
  json::object result;
  for (const auto* entry : table_.with_tokens(c.source.ip, member(c.params, "user_token"),
                                              member(c.params, "server_token"))) {
    if (entry->connected()) {
      result["privateID"] = entry->private_id_value();
    } else {
      result.erase("privateID");  // undefined
    }
  }
  return result;
}

bool hub::tokens_match(const session_entry& entry, const call& c) {
  const json::value server_token(entry.server_token);
  return js_loosely_equals(&server_token, member(c.params, "server_token"));
}

std::optional<std::string> hub::make_private_id(const call& c) {
  const auto server_token = string_member(c.params, "server_token");
  const auto user_token = string_member(c.params, "user_token");
  if (!server_token || !user_token || server_token->empty() || user_token->empty()) {
    return std::nullopt;
  }
  return wssd::proto::private_id_for(std::string(*server_token), std::string(*user_token));
}

// getPrivateID(): null for tokens that are not non-empty strings or match nothing, nothing
// (undefined) for an entry that never connected. An IP it does not know gets an empty group.
std::optional<json::value> hub::caller_private_id(const call& c) {
  if (!table_.has_group(c.source.ip)) {
    table_.ensure_group(c.source.ip);
    return json::value();
  }
  if (!make_private_id(c)) return json::value();
  const auto matches = table_.with_tokens(c.source.ip, member(c.params, "user_token"),
                                          member(c.params, "server_token"));
  if (matches.empty()) return json::value();
  if (!matches.front()->connected()) return std::nullopt;
  return matches.front()->private_id_value();
}

bool hub::push(std::vector<outgoing>& out, conn_id to, json::object result) const {
  if (!is_open_(to)) {
    spdlog::debug("hub: recipient ws#{} is closing, fan-out stops there", to);
    return false;
  }
  out.push_back({to, push_frame(std::move(result))});
  return true;
}

// The close listener skips sockets that are not open rather than throwing on them.
void hub::announce_disconnect(const json::value& private_id, std::vector<outgoing>& out) const {
  for (const auto* peer : table_.connected()) {
    push(out, peer->socket, json::object{{"type", "session"}, {"disconnect", private_id}});
  }
}

}  // namespace wss_hub
