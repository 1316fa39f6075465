// The WSS methods over the session table, independent of any network code: a frame and
// where it came from go in, the frames to write come out, in the order to write them.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tools/hub/rpc.hpp"
#include "tools/hub/session_table.hpp"

namespace wss_hub {

enum class transport_kind { websocket, http };

struct request_source {
  conn_id conn = no_conn;  // the WebSocket; no_conn for an HTTP request
  std::string ip;          // the table key: the peer address as text
  transport_kind transport = transport_kind::websocket;
};

struct outgoing {
  conn_id to = no_conn;  // no_conn: the HTTP requester
  std::string text;
};

struct hub_options {
  std::size_t max_per_ip = 10;
  bool leak_handshakes = true;  // the reference server never forgets unconnected entries
};

class hub {
 public:
  // Whether a WebSocket can still be written to. The reference server's fan-out loops throw
  // at the first recipient that is closing, so the hub stops there too.
  using open_probe = std::function<bool(conn_id)>;

  hub(hub_options options, open_probe is_open);

  std::vector<outgoing> on_frame(const request_source& source, std::string_view text);
  // A WebSocket closed cleanly or dropped.
  std::vector<outgoing> on_close(conn_id conn);

 private:
  using method_result = std::variant<boost::json::object, rpc_error>;

  struct call {
    const request_source& source;
    const boost::json::value* params;  // null when the request has none
    std::vector<outgoing>& out;
  };
  using method_fn = method_result (hub::*)(const call&);

  // What the server's method table does with a name: run a WSS method (fn), answer an error,
  // or neither (an Object.prototype member, which throws before answering).
  struct resolved_method {
    method_fn fn = nullptr;
    std::optional<rpc_error> error;
  };
  static resolved_method resolve(std::string_view name);

  void handle_single(const request_source& source, const boost::json::value& request,
                     std::vector<outgoing>& out);
  void handle_batch(const request_source& source, const boost::json::value& batch,
                    std::vector<outgoing>& out);

  method_result handshake(const call& c);
  method_result connect(const call& c);
  method_result send(const call& c);
  method_result session(const call& c);

  method_result bind_session(const call& c, session_entry& entry);
  method_result send_direct(const call& c, const std::optional<boost::json::value>& from);
  method_result send_broadcast(const call& c, const std::optional<boost::json::value>& from);
  method_result set_private_id(const call& c, const boost::json::value& old_private_id);
  method_result get_private_id(const call& c);

  // The request's server token `==` the entry's.
  static bool tokens_match(const session_entry& entry, const call& c);
  // makePrivateID() of the request's tokens; none unless both are non-empty strings.
  static std::optional<std::string> make_private_id(const call& c);
  // What the server takes for the caller's private id (getPrivateID()); nullopt: undefined.
  std::optional<boost::json::value> caller_private_id(const call& c);

  // Queues a push unless the recipient is closing; false then.
  bool push(std::vector<outgoing>& out, conn_id to, boost::json::object result) const;
  void announce_disconnect(const boost::json::value& private_id, std::vector<outgoing>& out) const;

  hub_options options_;
  open_probe is_open_;
  session_table table_;
};

}  // namespace wss_hub
