// Commands accepted from local clients wait here, in order, until the server answered them.
// While offline they wait (bounded by count and bytes, each with a TTL); when the link drops
// before an answer they are sent again after the reconnect (at-least-once: an answer that was
// lost with the link may mean the server had already delivered). At most a window of them is
// on the wire at once, so a long queue never floods the link or the transport's buffer.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <optional>
#include <string>

#include "daemon/config.hpp"
#include "daemon/session.hpp"

namespace wssd {

class outbox {
 public:
  using reply = session::reply;
  using issue_fn = std::function<void(session&, reply)>;

  outbox(asio::io_context& io, session& s, outbox_config c);

  // `done` runs once, later: with the server's answer, or an error (expired, queue full,
  // stopping, unanswered). `ttl` overrides outbox.ttl for this command.
  void submit(std::size_t bytes, issue_fn issue, reply done, std::optional<seconds> ttl = {});
  // The session's state changed; commands go out once it is online.
  void on_state(session_state s);
  void stop();
  void reconfigure(outbox_config c) { config_ = c; }

  std::size_t depth() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::uint64_t expired() const { return expired_; }

 private:
  struct entry {
    issue_fn issue;
    reply done;
    std::chrono::steady_clock::time_point deadline;
    seconds ttl;
    std::size_t bytes;
    bool in_flight = false;
    unsigned sent = 0;  // times it went out
  };
  using iterator = std::list<entry>::iterator;

  void flush();
  void issue(iterator it);
  void answered(iterator it, proto::rpc_result<boost::json::value> outcome);
  void finish(iterator it, proto::rpc_result<boost::json::value> outcome);
  void arm_expiry();
  void expire();

  asio::io_context& io_;
  session& session_;
  outbox_config config_;
  std::list<entry> entries_;
  std::size_t bytes_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t in_flight_bytes_ = 0;
  std::uint64_t expired_ = 0;
  bool stopping_ = false;
  asio::steady_timer expiry_timer_;
};

}  // namespace wssd
