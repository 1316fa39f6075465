// The events local clients see (docs/protocol.md, "Events"): one struct per type, one variant
// for all, one encoder and one decoder. The type names clients subscribe to come from the
// variant, so a new event type is one struct here and nowhere a string list.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proto/jsonrpc.hpp"
#include "proto/wss_codec.hpp"

namespace wssd::proto {

enum class session_state { offline, connecting, handshaking, online, backoff, stopped };
std::string_view to_string(session_state s);
std::optional<session_state> session_state_from(std::string_view name);

namespace events {

struct message {
  static constexpr std::string_view type = "message";
  message_kind kind = message_kind::direct;
  std::optional<std::string> from;         // absent when the sender never connected
  std::optional<boost::json::value> data;  // absent when the sender sent none
};
struct update {
  static constexpr std::string_view type = "update";
  std::optional<std::string> from;
  std::optional<boost::json::value> data;
};
struct peer_connect {
  static constexpr std::string_view type = "peer_connect";
  std::string private_id;
  boost::json::object options;
};
struct peer_disconnect {
  static constexpr std::string_view type = "peer_disconnect";
  std::string private_id;
};
struct peer_private_id {
  static constexpr std::string_view type = "peer_private_id";
  std::string old_id;
  std::string new_id;
};
// wssd's own private id changed.
struct private_id {
  static constexpr std::string_view type = "private_id";
  std::string id;
  std::optional<std::string> previous;
};
struct state {
  static constexpr std::string_view type = "state";
  session_state now = session_state::offline;
  std::string reason;
};
// A command waited in the outbox past its TTL and was dropped: never lost silently.
struct outbox_expired {
  static constexpr std::string_view type = "outbox_expired";
  command_kind kind = command_kind::direct;
  std::optional<std::string> msg_id;
  unsigned sent = 0;  // times it went out without an answer
  std::string reason;
};

}  // namespace events

using event = std::variant<events::message, events::update, events::peer_connect,
                           events::peer_disconnect, events::peer_private_id, events::private_id,
                           events::state, events::outbox_expired>;

// An event type as a bit, for subscription filters: the variant index.
using event_types = std::uint32_t;
inline constexpr event_types all_event_types = (1u << std::variant_size_v<event>)-1;
static_assert(std::variant_size_v<event> <= 32);

std::string_view type_name(const event& e);
inline event_types type_bit(const event& e) {
  return 1u << e.index();
}
// The bit of a type name, or nullopt for a name that is no event type.
std::optional<event_types> type_bit(std::string_view name);
// Every event type's name, in the variant's order.
const std::vector<std::string>& event_type_names();

// The peer an event is about, for the `peers` filter; empty for events about no peer.
std::string_view peer_of(const event& e);

// The notification a subscriber reads: {"jsonrpc":"2.0","method":"event","params":{"seq":N,
// "type":T,…fields}}, '\n'-terminated.
std::string encode_event_line(std::uint64_t seq, const event& e);
// The params of an event notification (seq, if present, is not part of the event).
parsed<event> decode_event(const boost::json::object& params);

// Notices a client gets about its own stream: they carry no seq and are not events.
std::string encode_lagged_line(std::uint64_t dropped);
std::string encode_events_lost_line(std::uint64_t since, std::string_view reason);

}  // namespace wssd::proto
