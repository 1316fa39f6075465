// The WSS wire protocol (reference/wss-protocol.md), client side: the four requests wssd
// sends and a typed view of every frame the server sends.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proto/jsonrpc.hpp"

namespace wssd::proto {

struct session_tokens {
  std::string user_token;
  std::string server_token;
};

std::string handshake_request(const boost::json::value& id, std::string_view user_token);
std::string connect_request(const boost::json::value& id, const session_tokens& tokens,
                            boost::json::object options);

// A command for the server from a local client, serialised once when it is accepted: the
// outbox keeps it as it is (its size is what the outbox's byte bound counts), and each attempt
// wraps it in a request with the session's tokens of the moment.
enum class command_kind { direct, broadcast, set_private_id };
std::string_view to_string(command_kind kind);
std::optional<command_kind> command_kind_from(std::string_view name);
struct command {
  command_kind kind = command_kind::direct;
  std::string body;        // the params after the tokens, as JSON members: "type":"direct",…
  std::string private_id;  // for set_private_id: the id asked for
};
// `data` null means "no data key", as the server relays it.
command direct_command(const std::vector<std::string>& to, const boost::json::value& data);
command broadcast_command(const boost::json::value& data, const std::vector<std::string>& exclude);
command set_private_id_command(std::string_view private_id);
std::string request_for(const boost::json::value& id, const session_tokens& tokens,
                        const command& c);

// The server looks methods up in a plain JavaScript object: names of Object.prototype members
// (toString, constructor, …) are never answered, and the socket that sent one may be left
// half-closed on the server, which then fails every WSS_Connect. No request may carry them.
bool is_never_answered(std::string_view method);

// ---- Incoming frames ----

// A frame with an `id` key: the answer to one of our requests.
struct response {
  boost::json::value id;
  rpc_result<boost::json::value> outcome;
};

struct peer_connected {
  std::string private_id;
  boost::json::object options;
};
struct peer_disconnected {
  std::string private_id;
};
struct peer_changed_id {
  std::string old_id;
  std::string new_id;
};
enum class message_kind { direct, broadcast };
struct peer_message {
  message_kind kind;
  std::optional<std::string> from;         // absent when the sender never connected
  std::optional<boost::json::value> data;  // absent when the sender sent none
};
struct server_update {
  std::optional<std::string> from;
  std::optional<boost::json::value> data;
};

using push =
    std::variant<peer_connected, peer_disconnected, peer_changed_id, peer_message, server_update>;
using frame = std::variant<response, push>;

// Classifies one text frame: a response iff it has an `id` key, otherwise a push. Anything
// else is described in the error, never thrown.
parsed<frame> decode_frame(std::string_view text);

std::string_view to_string(message_kind kind);

// WSS_Handshake result; server_token is the only field wssd needs.
parsed<std::string> server_token_from(const boost::json::value& handshake_result);

struct connect_result {
  std::string private_id;
  std::vector<peer_connected> peers;
};
parsed<connect_result> connect_result_from(const boost::json::value& result);

// WSS_Session result: {privateID}.
parsed<std::string> private_id_from(const boost::json::value& session_result);

}  // namespace wssd::proto
