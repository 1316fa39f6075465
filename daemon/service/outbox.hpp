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

#include "daemon/config/config.hpp"
#include "daemon/service/durability.hpp"
#include "daemon/session/session.hpp"

namespace wssd {

class outbox {
 public:
  using reply = session::reply;
  // A command was dropped at its TTL: what it was, how often it went out, and why.
  using expired_sink = std::function<void(const proto::command& c, const std::string& msg_id,
                                          unsigned sent, const std::string& why)>;

  // With `spool` (the durable store's, or null) a command is spooled before it is sent, and
  // stays spooled until the server answered it, it expired, or it could not be kept.
  outbox(asio::io_context& io, session& s, outbox_config c, command_spool* spool,
         expired_sink on_expired);

  // `done` runs once, later: with the server's answer, or an error (expired, queue full,
  // stopping, unanswered, not spooled). `ttl` overrides outbox.ttl for this command.
  void submit(proto::command c, reply done, std::optional<seconds> ttl = {},
              std::string msg_id = {});
  // Commands an earlier daemon spooled: they go out first, in their order; `done_for` gives
  // each its answer's handler (nobody waits for them on a socket any more).
  void restore(std::vector<command_spool::row> rows,
               const std::function<reply(const command_spool::row&)>& done_for);
  // The session's state changed; commands go out once it is online.
  void on_state(session_state s);
  // Waiting commands are answered "stopping" (and, spooled, kept for the next daemon).
  void stop();
  void reconfigure(outbox_config c) { config_ = c; }

  std::size_t depth() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::uint64_t expired() const { return expired_; }
  // Commands that ended with an error other than expiry (refused by the server, unanswered,
  // not spooled, stopping).
  std::uint64_t failed() const { return failed_; }
  // How long the oldest command has waited; zero when there is none.
  std::chrono::steady_clock::duration oldest_age() const;

 private:
  struct entry {
    proto::command command;
    reply done;
    std::chrono::steady_clock::time_point deadline;
    seconds ttl;
    std::size_t bytes;  // of the command's body: what it holds of the outbox's memory
    std::string msg_id;
    std::int64_t spool_id = 0;
    bool spooled = true;  // committed to the spool (or there is none): it may go out
    bool in_flight = false;
    unsigned sent = 0;  // times it went out
  };
  using iterator = std::list<entry>::iterator;

  void committed(const std::optional<proto::failure>& failed);
  void flush();
  void issue(iterator it);
  void answered(iterator it, proto::rpc_result<boost::json::value> outcome);
  void finish(iterator it, proto::rpc_result<boost::json::value> outcome);
  void arm_expiry();
  void expire();
  proto::rpc_error stopping_error() const;

  asio::io_context& io_;
  session& session_;
  outbox_config config_;
  command_spool* spool_;
  expired_sink on_expired_;
  std::list<entry> entries_;
  std::size_t bytes_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t in_flight_bytes_ = 0;
  std::uint64_t expired_ = 0;
  std::uint64_t failed_ = 0;
  bool stopping_ = false;
  bool awaiting_commit_ = false;
  std::optional<std::chrono::steady_clock::time_point> expiry_armed_;
  asio::steady_timer expiry_timer_;
};

}  // namespace wssd
