// A transport with no network, for in-process tests: the test plays the server.
//
// Everything runs on the test's io_context, on its thread. What the server does (open, answer,
// push, pong, drop) reaches wssd from the event loop, never inside the call that asked for it,
// as from a real socket: run the loop (poll, run_until) to deliver it. Like the real transport,
// every connect() is followed by exactly one on_close.
#pragma once

#include <asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/link/transport.hpp"
#include "proto/wss_codec.hpp"

namespace wssd::test {

// The server's end of the fake link. It and the transports it makes share their state, so
// either may go first.
class fake_server {
 public:
  struct frame {
    unsigned connection = 0;  // the connect() it went out on, counted from 1
    std::string text;
    boost::json::object json;  // empty when the text is no JSON object
  };

  explicit fake_server(asio::io_context& io);
  fake_server(const fake_server&) = delete;
  fake_server& operator=(const fake_server&) = delete;
  ~fake_server();

  // The transport to hand to the session.
  std::unique_ptr<transport> make_transport();

  // ---- What wssd did ----
  const std::vector<frame>& frames() const;
  // The requests of one method, in the order sent.
  std::vector<frame> requests(std::string_view method) const;
  // The latest request of one method; throws std::logic_error when there is none.
  frame last(std::string_view method) const;
  unsigned connects() const;  // also the number of the current (or last) connection
  std::size_t pings() const;
  std::size_t closes() const;  // transport::close() calls
  std::size_t aborts() const;  // transport::abort() calls
  const std::string& url() const;
  // Between on_open and the on_close being queued: wssd's sends go through.
  bool is_open() const;
  // Between connect() and the delivery of its on_close.
  bool connected() const;

  // ---- What the server does, each delivered from the event loop ----
  // Completes the pending connect() with on_open; throws std::logic_error when none is pending.
  void open();
  void reply(const frame& request, boost::json::value result);
  void reply_error(const frame& request, std::int64_t code, std::string message);
  void push(const boost::json::value& frame);
  void send_text(std::string text);
  void pong();
  // Ends the current connection with on_close; false when there is none to end.
  bool drop(std::string reason = "connection reset by the fake server",
            bool message_too_big = false);

  // Answer every ping with a pong.
  void auto_pong(bool on);
  // Called after each connect(), and after each frame wssd sends (inside wssd's call: what
  // they do reaches wssd later, from the loop, like everything the server does).
  void on_connect(std::function<void()> f);
  void on_frame(std::function<void(const frame&)> f);

  struct state;  // shared with the transports it makes

 private:
  std::shared_ptr<state> state_;
};

// Plays a correct hub over a fake_server for the common path, so that a test states only what
// its scenario changes: it opens every connection, answers WSS_Handshake with a fresh 64-hex
// server token, WSS_Connect with the assigned private id and the peers, and WSS_Session setPID
// with the id asked for. Anything else waits for the test (or, with answer_sends, WSS_Send is
// answered {message:"ok"}).
class fake_hub {
 public:
  explicit fake_hub(fake_server& server);
  fake_hub(const fake_hub&) = delete;
  fake_hub& operator=(const fake_hub&) = delete;
  ~fake_hub();

  // What the next WSS_Connect answers: the id it assigns and the other peers connected.
  void assign(std::string private_id, std::vector<proto::peer_connected> peers = {});
  void answer_set_pid(bool on) { answer_set_pid_ = on; }
  void answer_sends(bool on) { answer_sends_ = on; }
  // The server token the handshake of a connection got.
  static std::string server_token(unsigned connection);

 private:
  void on_frame(const fake_server::frame& f);

  fake_server& server_;
  std::string private_id_ = "a0";
  std::vector<proto::peer_connected> peers_;
  bool answer_set_pid_ = true;
  bool answer_sends_ = false;
};

// Settings that make every timer of the engine short: retries wait the backoff floor (0.1 s),
// -32001 to a handshake 0.3 s, requests and attempts time out after a second, and the
// keepalive stays out of the way.
config fast_config();

// Runs the loop until `done()` holds or `limit` passes; says whether it holds. `done` is
// checked at least every millisecond, so it may read a socket of the test's own.
bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::steady_clock::duration limit = std::chrono::seconds(1));
// Runs the loop for `d`, or less if it runs out of work (then nothing would happen anyway).
void run_for(asio::io_context& io, std::chrono::steady_clock::duration d);
// Runs whatever is ready, waiting for nothing.
void poll(asio::io_context& io);

}  // namespace wssd::test
