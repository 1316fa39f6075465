// The session engine: holds ONE peer identity on a WSS server and keeps it alive.
//
// offline → connecting → handshaking → online → (backoff → connecting …); stopped on shutdown.
// Handshake and connect go out on the same socket at once (handshake-only slots leak on the
// server); after every reconnect the previous private id is claimed again with setPID, so
// peers see one continuous identity. Every reconnect, whatever its cause, goes through the
// backoff: only a session that stayed online for backoff.reset_after may reconnect at once.
#pragma once

#include <array>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/link/transport.hpp"
#include "daemon/session/backoff.hpp"
#include "daemon/session/keepalive.hpp"
#include "daemon/session/peer_table.hpp"
#include "daemon/session/request_tracker.hpp"
#include "daemon/session/state_store.hpp"
#include "proto/events.hpp"
#include "proto/wss_codec.hpp"

namespace wssd {

using proto::session_state;

// Why a link went down while the session was to stay up: each is followed by a reconnect.
enum class link_loss {
  dropped,           // the server or the network closed it
  connect_failed,    // it never opened
  connect_timeout,   // no session within connect_timeout
  handshake_failed,  // the server refused the handshake or the connect
  server_busy,       // -32001 to the handshake: the per-IP table is full
  ping_timeout,      // no pong within ping_timeout
  message_too_big,   // a message over max_message (Close 1009)
  stale_session,     // the server dropped a stale session holding our id
  requested,         // a local client's reconnect
};
inline constexpr std::size_t link_loss_count = 9;
std::string_view to_string(link_loss why);

// Messages counted by kind (direct, broadcast).
struct message_counts {
  std::array<std::uint64_t, 2> by_kind{};
  std::uint64_t& operator[](proto::message_kind k) { return by_kind[static_cast<std::size_t>(k)]; }
  std::uint64_t operator[](proto::message_kind k) const {
    return by_kind[static_cast<std::size_t>(k)];
  }
  std::uint64_t total() const { return by_kind[0] + by_kind[1]; }
};

struct session_counters {
  message_counts messages_in;
  message_counts messages_out;  // sends and broadcasts the server answered ok
  std::uint64_t bytes_in = 0;   // WebSocket message payloads, both ways
  std::uint64_t bytes_out = 0;
  std::uint64_t reconnects = 0;  // times the session came back online after a loss
  std::array<std::uint64_t, link_loss_count> link_losses{};  // by link_loss
  std::uint64_t bad_frames = 0;          // frames from the server that made no sense
  std::uint64_t oversized_messages = 0;  // messages over max_message (each cost the link)
};

class session {
 public:
  using reply = request_tracker::reply;
  using event_sink = std::function<void(proto::event)>;
  using state_sink = std::function<void(session_state)>;

  // `on_event` hears every event; `on_state` every state change, before its event.
  session(asio::io_context& io, const config& c, std::unique_ptr<transport> link,
          state_store* store, event_sink on_event, state_sink on_state);
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void start();
  // Closes the link with a Close frame; `done` runs once the link is down.
  void stop(std::function<void()> done);
  // Drops the link (if any) and connects again: at once unless reconnects came too often.
  void reconnect(std::string reason);
  // What can change while running (timeouts, pings, backoff); the rest needs a restart.
  void reconfigure(const config& c);

  // A local client's command; it needs the session online (the outbox waits for that). A
  // set_private_id that the server confirms is adopted, and answered {private_id}. `done`
  // always runs later from the event loop, never inside the call.
  void submit(const proto::command& c, reply done);
  // Any other server method; the session's tokens are added to object params.
  void call(const std::string& method, boost::json::value params, reply done);

  session_state state() const { return state_; }
  bool online() const { return state_ == session_state::online; }
  const std::string& private_id() const { return private_id_; }
  const std::string& server() const { return config_.server; }
  const peer_table& peers() const { return peers_; }
  const session_counters& counters() const { return counters_; }
  // When the session went online; nullopt unless it is.
  std::optional<std::chrono::steady_clock::time_point> online_since() const;

 private:
  void connect_now();
  void on_open();
  void on_message(std::string_view text);
  void on_close(transport::closed closed);
  void handshake();
  void on_handshake(proto::rpc_result<boost::json::value> outcome);
  void on_connected(proto::rpc_result<boost::json::value> outcome);
  void claim_identity(const std::string& assigned);
  void go_online();
  void reconnect(link_loss why, std::string reason);
  void handshake_failed(const std::string& what, bool overloaded = false);
  void drop_link(link_loss why, const std::string& reason);
  void handle_push(proto::push p);
  void on_peer_disconnected(const std::string& pid);
  void adopt_private_id(const std::string& private_id);
  void schedule_connect(seconds delay, const std::string& reason);

  using request_builder = std::function<std::string(const boost::json::value& id)>;
  void request(const request_builder& build, reply done);
  // A local client's request: only while online.
  void command(const request_builder& build, reply done);

  void set_state(session_state s, std::string reason);
  void emit(proto::event e);

  asio::io_context& io_;
  config config_;
  std::unique_ptr<transport> link_;
  state_store* store_;
  event_sink on_event_;
  state_sink on_state_;

  session_state state_ = session_state::offline;
  bool link_up_ = false;                      // between link_->connect() and on_close
  bool reconnect_now_ = false;                // the link is being closed to connect again at once
  bool overloaded_ = false;                   // the server said -32001 to the handshake
  std::optional<link_loss> closing_because_;  // wssd closed the link, for this
  std::function<void()> on_stopped_;

  proto::session_tokens tokens_;
  std::string private_id_;  // ours, as the server knows it now
  std::string claimed_id_;  // the one to claim again after a reconnect
  peer_table peers_;
  session_counters counters_;
  backoff backoff_;
  bool was_online_ = false;
  std::chrono::steady_clock::time_point online_since_;
  std::chrono::steady_clock::time_point last_attempt_{};

  request_tracker requests_;
  keepalive keepalive_;
  asio::steady_timer connect_timer_;
  asio::steady_timer backoff_timer_;
};

}  // namespace wssd
