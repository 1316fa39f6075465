// A peer on the hub, driven by callbacks on the benchmark's event loop, over wssd's own
// WebSocket transport (websocketpp, TCP_NODELAY): the "direct" side of every comparison, the
// sink that counts what arrives, the broadcaster, and the hub's own subscribers.
//
// Requests are pipelined: send_direct and broadcast return at once and their completion runs
// when the hub's answer arrives (the hub answers each socket's requests in order).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bench/event_loop.hpp"
#include "daemon/link/transport.hpp"

namespace wssd::bench {

class hub_peer {
 public:
  using ack_handler = std::function<void(bool ok)>;
  // Every frame that is not an answer: a push (`{"jsonrpc":"2.0","result":{"type":…}}`).
  using push_handler = std::function<void(std::string_view frame)>;

  explicit hub_peer(event_loop& loop);
  ~hub_peer();
  hub_peer(const hub_peer&) = delete;
  hub_peer& operator=(const hub_peer&) = delete;

  // Opens the WebSocket, handshakes and connects, running the loop meanwhile. Throws
  // std::runtime_error if that did not work within `limit`.
  void join(const std::string& url, clock::duration limit = std::chrono::seconds(10));
  // The same without waiting: `settled` runs once it joined or failed; joined() and failure()
  // tell which.
  void start_join(const std::string& url, std::function<void()> settled = {});
  bool joined() const { return joined_; }
  // Why the join failed; empty while it has not (yet).
  std::string failure() const { return closed_ && failure_.empty() ? "closed" : failure_; }
  const std::string& private_id() const { return private_id_; }

  // `data` and `exclude_rcp` are serialised JSON (a value; an array of private ids).
  void send_direct(std::string_view to, std::string_view data, ack_handler done);
  void broadcast(std::string_view data, std::string_view exclude_rcp, ack_handler done);
  void on_push(push_handler h) { on_push_ = std::move(h); }
  std::size_t waiting() const { return waiting_.size(); }
  // Drops the connection at once (no Close frame); the destructor then only waits for
  // websocketpp to finish with it.
  void leave();

 private:
  struct pending {
    std::uint64_t id;
    std::function<void(const boost::json::object& answer)> done;
  };

  // `params_tail` follows the tokens inside params: `,"type":…`.
  void request(std::string_view method, std::string_view params_tail,
               std::function<void(const boost::json::object&)> done);
  void handshake();
  void received(std::string_view frame);
  void lost(std::string reason);

  event_loop& loop_;
  std::unique_ptr<transport> transport_;
  bool open_ = false;
  bool closed_ = false;
  bool joined_ = false;
  bool leaving_ = false;  // a close of our own is no failure
  std::string url_;
  std::string tokens_;  // "user_token":…,"server_token":…
  std::string user_token_;
  std::string private_id_;
  std::string failure_;
  std::string text_;  // reused for every request
  std::uint64_t next_id_ = 1;
  std::deque<pending> waiting_;
  push_handler on_push_;
  std::function<void()> settled_;
};

}  // namespace wssd::bench
