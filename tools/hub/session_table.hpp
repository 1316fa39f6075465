// The reference server's session table: handshaken entries grouped by source IP. Groups
// keep the position of the first handshake from their IP for good (a JavaScript object's
// key order), and every fan-out walks the table in that order.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wss_hub {

// A WebSocket connection of the hub; HTTP requests have none.
using conn_id = std::uint64_t;
inline constexpr conn_id no_conn = 0;

struct session_entry {
  std::string user_token;
  std::string server_token;
  std::optional<std::string> private_id;  // set by WSS_Connect, changed by setPID
  boost::json::value options;             // as given to WSS_Connect
  conn_id socket = no_conn;               // the WebSocket bound by WSS_Connect
  conn_id creator = no_conn;              // the WebSocket that handshook, for --no-leak

  bool connected() const { return socket != no_conn; }
};

class session_table {
 public:
  // The entries of one IP, in handshake order; empty when it has none.
  const std::vector<session_entry>& entries_of(std::string_view ip) const;
  // The first entry of `ip` with this user token, as the server's lookups stop there.
  session_entry* first_with_user_token(std::string_view ip, std::string_view user_token);
  // Every entry of `ip` holding both tokens.
  std::vector<session_entry*> with_tokens(std::string_view ip, std::string_view user_token,
                                          std::string_view server_token);
  std::size_t size() const;
  bool has_user_token(std::string_view user_token) const;
  void add(std::string_view ip, session_entry entry);

  // Connected entries in table order. Valid until the table changes.
  std::vector<const session_entry*> connected() const;
  const session_entry* first_bound_to(conn_id socket) const;

  // Removes the first entry bound to `socket` and returns it.
  std::optional<session_entry> remove_first_bound_to(conn_id socket);
  // Removes the unconnected entries that `creator` handshook.
  void remove_unconnected_created_by(conn_id creator);

 private:
  struct ip_group {
    std::string ip;
    std::vector<session_entry> entries;
  };

  ip_group* find_group(std::string_view ip);

  std::vector<ip_group> groups_;
};

}  // namespace wss_hub
