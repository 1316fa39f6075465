// wssd's local clients as the benchmark plays them, on its event loop: a pipelining client
// that sends and hears answers and events (one JSON-RPC object a line), and subscribers that
// only count the lines they read.
#pragma once

#include <asio/local/stream_protocol.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/event_loop.hpp"

namespace wssd::bench {

// A connection to wssd's socket. Requests are pipelined: send and call return at once, the
// completion runs when wssd answers. Lines written while a write is under way go out together.
class local_peer {
 public:
  using ack_handler = std::function<void(bool ok)>;
  using answer_handler = std::function<void(const boost::json::object& answer)>;
  using event_handler = std::function<void(std::string_view line)>;

  // Connects at once; throws std::runtime_error if it cannot.
  local_peer(event_loop& loop, const std::string& socket_path);
  ~local_peer();
  local_peer(const local_peer&) = delete;
  local_peer& operator=(const local_peer&) = delete;

  // `data` is serialised JSON.
  void send(std::string_view to, std::string_view data, ack_handler done);
  // `params` is a serialised JSON object.
  void call(std::string_view method, std::string_view params, answer_handler done);
  // Blocking for the benchmark's set-up: runs the loop until the answer came.
  boost::json::object call_and_wait(std::string_view method, std::string_view params,
                                    clock::duration limit = std::chrono::seconds(10));
  void on_event(event_handler h);
  std::size_t waiting() const;

 private:
  struct state;
  std::shared_ptr<state> state_;  // shared with the pending I/O handlers
};

// `count` connections that each subscribe (with `subscribe_params`) and then count lines: no
// parsing, so that 1 000 subscribers in this process cost as little as they can and the
// measurement is of wssd. `on_lines(which, lines_before, lines_now)` runs after each read.
class line_counters {
 public:
  using lines_handler =
      std::function<void(std::size_t which, std::uint64_t before, std::uint64_t now)>;

  // Connects and subscribes them one after another; throws std::runtime_error if one cannot.
  line_counters(event_loop& loop, const std::string& socket_path, std::size_t count,
                std::string_view subscribe_params, lines_handler on_lines);
  ~line_counters();
  line_counters(const line_counters&) = delete;
  line_counters& operator=(const line_counters&) = delete;

  std::size_t size() const;
  std::uint64_t lines(std::size_t which) const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace wssd::bench
