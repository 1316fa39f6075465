// The requests sent to the server that wait for an answer, matched by id. Each one that is not
// answered within its timeout fails on its own; the link is not judged by it (the keepalive
// does that), since a server may leave one request unanswered and answer the next.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>

#include "daemon/config.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class request_tracker {
 public:
  using reply = std::function<void(proto::rpc_result<boost::json::value>)>;

  explicit request_tracker(asio::io_context& io);

  // The id for the next request.
  std::uint64_t next_id() { return ++last_id_; }
  void add(std::uint64_t id, reply done, seconds timeout);
  // Hands the answer to the request with that id; false when none of ours has it.
  bool answer(const boost::json::value& id, proto::rpc_result<boost::json::value> outcome);
  // Fails every request (from the event loop, never inside the call).
  void fail_all(std::int64_t code, const std::string& message);
  std::size_t size() const { return pending_.size(); }

 private:
  struct pending {
    reply done;
    std::chrono::steady_clock::time_point deadline;
    seconds timeout;
  };

  void arm_timer();
  void expire();

  asio::io_context& io_;
  std::uint64_t last_id_ = 0;
  std::map<std::uint64_t, pending> pending_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point armed_for_{};
};

// Runs `done(outcome)` from the event loop: an answer is never given inside the call that asked.
void post_reply(asio::io_context& io, request_tracker::reply done,
                proto::rpc_result<boost::json::value> outcome);

}  // namespace wssd
