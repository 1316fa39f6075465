// The reference server's session table: handshaken entries grouped by source IP, in the key
// order of a JavaScript object. A group goes when its last connected entry closes (a later
// handshake from that IP starts a new group at the end); every fan-out walks the table in
// that order. Lookups compare tokens with JavaScript's `==`, as the server does.
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
  // As given to WSS_Handshake, which checks nothing: any JSON value, or none (undefined).
  std::optional<boost::json::value> user_token;
  std::string server_token;
  // Set by WSS_Connect, changed by setPID. A connected entry without one has a null private
  // id: the tokens it connected with were not both non-empty strings.
  std::optional<std::string> private_id;
  boost::json::value options;  // as given to WSS_Connect
  conn_id socket = no_conn;    // the WebSocket bound by WSS_Connect
  conn_id creator = no_conn;   // the WebSocket that handshook, for --no-leak

  bool connected() const { return socket != no_conn; }
  const boost::json::value* user_token_value() const { return user_token ? &*user_token : nullptr; }
  // The private id as the server sends it: a string or null. Only for connected entries.
  boost::json::value private_id_value() const;
};

class session_table {
 public:
  bool has_group(std::string_view ip) const;
  // getPrivateID() leaves an empty group behind for an IP it does not know.
  void ensure_group(std::string_view ip);
  // The entries of one IP, in handshake order; empty when it has none.
  const std::vector<session_entry>& entries_of(std::string_view ip) const;
  // The first entry of `ip` whose user token `==` this one, as the server's loops stop there.
  session_entry* first_with_user_token(std::string_view ip, const boost::json::value* user_token);
  // Every entry of `ip` whose tokens `==` these.
  std::vector<session_entry*> with_tokens(std::string_view ip, const boost::json::value* user_token,
                                          const boost::json::value* server_token);
  std::size_t size() const;
  bool has_user_token(const boost::json::value* user_token) const;
  void add(std::string_view ip, session_entry entry);

  // Connected entries in table order. Valid until the table changes.
  std::vector<const session_entry*> connected() const;

  // Removes the first entry bound to `socket` (and its group if that empties it).
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
