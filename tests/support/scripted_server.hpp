// A scriptable WSS server for hostile-server tests. Out of the box it is a minimal correct
// hub for one client at a time (handshake, connect, getPID/setPID, send, pings), enough for
// wssd to come online; a test overrides what any method answers and injects any frame, close
// or TCP drop. websocketpp on its own io_context and thread, on 127.0.0.1, ws:// or wss://.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_cert.hpp"

namespace wssd::test {

class scripted_server {
 public:
  // A frame a client sent; the fields it lacks stay empty (a frame that is not JSON keeps
  // only its text).
  struct request {
    std::size_t conn = 0;  // 1 for the first connection, 2 for the next...
    boost::json::value id;
    std::string method;
    boost::json::object params;
    std::string text;
  };

  // What the server does with a request.
  class reply {
   public:
    static reply result(boost::json::value result);
    // `data` is left out when null.
    static reply error(std::int64_t code, std::string message, boost::json::value data = nullptr);
    // These text frames instead of an answer.
    static reply raw(std::vector<std::string> frames);
    static reply none();
    // What the default hub does (its state changes included).
    static reply defaults();

    // Text frames sent before the answer.
    reply& before(std::vector<std::string> frames);
    // Everything is sent after `delay`; later requests are handled meanwhile.
    reply& after(std::chrono::milliseconds delay);

   private:
    friend class scripted_server;
    enum class kind { answer, raw, none, defaults };

    kind kind_ = kind::defaults;
    boost::json::object answer_;  // {"result":…} or {"error":…}
    std::vector<std::string> frames_;
    std::vector<std::string> before_;
    std::chrono::milliseconds delay_{0};
  };
  using behaviour = std::function<reply(const request&)>;

  // With a certificate: wss:// only.
  explicit scripted_server(std::optional<test_cert> tls = {});
  ~scripted_server();
  scripted_server(const scripted_server&) = delete;
  scripted_server& operator=(const scripted_server&) = delete;

  std::uint16_t port() const { return port_; }
  // ws://127.0.0.1:PORT/ or wss://…
  std::string url() const;

  // Replaces the defaults for `method`. Behaviours run on the server's thread; they may call
  // this class's methods.
  void on(const std::string& method, behaviour b);
  void reset_behaviour();
  // Incoming frames above this size fail the connection (1009); for connections opened later.
  void set_max_message_size(std::size_t bytes);

  // Injection, into connection `conn` (0: the current one, the newest still open). False if
  // there is no such open connection.
  bool push(boost::json::object result, std::size_t conn = 0);  // {"jsonrpc":"2.0","result":…}
  bool send_text(std::string text, std::size_t conn = 0);
  bool send_binary(std::string bytes, std::size_t conn = 0);
  bool close(std::uint16_t code = 1000, std::string reason = {}, std::size_t conn = 0);
  // TCP gone without a Close frame (a FIN, like the reference server's terminate()).
  bool drop(std::size_t conn = 0);
  // Off: pings get no pong, a dead-but-open link. Applies at once to every connection.
  void answer_pings(bool on) { answer_pings_ = on; }

  // Other peers of the scripted hub: listed in WSS_Connect's answer and pushed to the current
  // connection as the real server does. False if no connection received the push.
  bool peer_connect(const std::string& pid, boost::json::object options = {{"wss", true}});
  bool peer_disconnect(const std::string& pid);
  bool peer_change(const std::string& old_pid, const std::string& new_pid);  // result.change
  bool direct(const std::string& from, boost::json::value data);
  bool broadcast(const std::string& from, boost::json::value data);

  // Observation: every frame received, in order.
  std::optional<request> next_request(std::chrono::milliseconds timeout);
  // WebSocket connections opened so far.
  std::size_t connections_accepted() const { return connections_accepted_; }
  bool connected() const;
  // The private id the current client holds (after WSS_Connect or setPID); empty if none.
  std::string private_id() const;
  // Behaviours that threw (what they said), caught on the server's thread: none answered.
  std::vector<std::string> failures() const;

 private:
  class wire;
  template <class Config>
  class wire_for;

  // The default hub's view of one connection.
  struct session {
    std::string user_token, server_token, private_id;
  };

  // Runs `f` on the server's thread (at once if already there) and returns its result.
  template <class F>
  auto on_io_thread(F f) const -> decltype(f());
  void opened(std::size_t conn);
  void closed(std::size_t conn);
  void received(std::size_t conn, std::string text);
  // `is_object`: whether the frame was a JSON object at all.
  reply behaviour_for(const request& r, bool is_object);
  reply default_reply(const request& r, bool is_object);
  void deliver(const request& r, const reply& what);
  std::size_t resolve(std::size_t conn) const;
  bool send_frame(std::size_t conn, const std::string& text);

  mutable asio::io_context io_;  // const observers run on its thread too
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<wire> wire_;
  std::uint16_t port_ = 0;
  bool tls_ = false;

  // Only touched on the server's thread.
  std::map<std::size_t, session> sessions_;  // the open connections
  std::vector<std::pair<std::string, boost::json::object>> peers_;
  std::set<std::shared_ptr<asio::steady_timer>> delayed_;  // replies sent after() a delay
  bool stopping_ = false;

  std::atomic<bool> answer_pings_{true};
  std::atomic<std::size_t> connections_accepted_{0};

  mutable std::mutex mutex_;  // guards what follows
  std::map<std::string, behaviour> behaviours_;
  std::condition_variable arrived_;
  std::deque<request> requests_;
  std::vector<std::string> failures_;

  std::thread thread_;  // last: starts once everything else is in place
};

}  // namespace wssd::test
