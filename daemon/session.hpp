// The session engine: holds ONE peer identity on a WSS server and keeps it alive.
//
// offline → connecting → handshaking → online → (backoff → connecting …); stopped on shutdown.
// Handshake and connect go out on the same socket at once (handshake-only slots leak on the
// server); after every reconnect the previous private id is claimed again with setPID, so
// peers see one continuous identity.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/backoff.hpp"
#include "daemon/config.hpp"
#include "daemon/event.hpp"
#include "daemon/peer_table.hpp"
#include "daemon/state_store.hpp"
#include "daemon/transport.hpp"
#include "proto/wss_codec.hpp"

namespace wssd {

enum class session_state { offline, connecting, handshaking, online, backoff, stopped };
std::string_view to_string(session_state s);

struct session_counters {
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t reconnects = 0;  // times the session came back online after a loss
  std::uint64_t bad_frames = 0;  // frames from the server that made no sense
};

class session {
 public:
  using reply = std::function<void(proto::rpc_result<boost::json::value>)>;
  using event_sink = std::function<void(event)>;

  session(asio::io_context& io, const config& c, std::unique_ptr<transport> link,
          state_store* store, event_sink sink);
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void start();
  // Closes the link with a Close frame; `done` runs once the link is down.
  void stop(std::function<void()> done);
  // Drops the link (if any) and connects again at once.
  void reconnect(std::string reason);

  // Commands; they need the session online (the outbox waits for that). `done` always runs
  // later from the event loop, never inside the call.
  void send_direct(const std::vector<std::string>& to, const boost::json::value& data, reply done);
  void broadcast(const boost::json::value& data, const std::vector<std::string>& exclude,
                 reply done);
  void set_private_id(const std::string& private_id, reply done);
  // Any other server method; the session's tokens are added to object params.
  void call(const std::string& method, boost::json::value params, reply done);

  session_state state() const { return state_; }
  bool online() const { return state_ == session_state::online; }
  const std::string& private_id() const { return private_id_; }
  const std::string& server() const { return config_.server; }
  const peer_table& peers() const { return peers_; }
  const session_counters& counters() const { return counters_; }

 private:
  struct pending_request {
    std::uint64_t id;
    reply done;
    std::chrono::steady_clock::time_point deadline;
  };

  void connect_now();
  void on_open();
  void on_message(std::string_view text);
  void on_close(std::string reason);
  void handshake();
  void on_handshake(proto::rpc_result<boost::json::value> outcome);
  void on_connected(proto::rpc_result<boost::json::value> outcome);
  void claim_identity(const std::string& assigned);
  void go_online();
  void handshake_failed(const std::string& what, bool overloaded = false);
  void handle_push(proto::push p);
  void on_peer_disconnected(const std::string& pid);
  void adopt_private_id(const std::string& private_id);

  using request_builder = std::function<std::string(const boost::json::value& id)>;
  void request(const request_builder& build, reply done);
  // A local client's command: only while online.
  void command(const request_builder& build, reply done);
  // Counts a peer message sent once the server accepted it.
  reply counted(reply done);
  void on_response(proto::response r);
  void fail_pending(std::int64_t code, const std::string& message);
  void arm_request_timer();
  void arm_ping_timer();
  void cancel_timers();

  void set_state(session_state s, std::string reason);
  void emit(std::string type, std::string peer, boost::json::object fields);
  void later(reply done, proto::rpc_result<boost::json::value> outcome);
  std::chrono::steady_clock::duration to_duration(seconds s) const;

  asio::io_context& io_;
  config config_;
  std::unique_ptr<transport> link_;
  state_store* store_;
  event_sink sink_;

  session_state state_ = session_state::offline;
  bool link_up_ = false;  // between link_->connect() and on_close
  bool reconnect_now_ = false;
  bool overloaded_ = false;
  std::function<void()> on_stopped_;

  proto::session_tokens tokens_;
  std::string private_id_;  // ours, as the server knows it now
  std::string claimed_id_;  // the one to claim again after a reconnect
  peer_table peers_;
  session_counters counters_;
  backoff backoff_;
  bool was_online_ = false;
  std::chrono::steady_clock::time_point online_since_;

  std::uint64_t next_request_id_ = 0;
  std::deque<pending_request> pending_;

  asio::steady_timer connect_timer_;
  asio::steady_timer backoff_timer_;
  asio::steady_timer request_timer_;
  asio::steady_timer ping_timer_;
  asio::steady_timer pong_timer_;
};

}  // namespace wssd
