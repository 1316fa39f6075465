// The benchmark's one thread and its one io_context. Every client the benchmark plays (hub
// peers, wssd clients, 1 000 subscribers) is a set of callbacks on it: the benchmark process
// never spins and never takes more than one of the machine's two cores.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace wssd::bench {

using clock = std::chrono::steady_clock;

class event_loop {
 public:
  event_loop() : work_(asio::make_work_guard(io_)) {}
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  asio::io_context& io() { return io_; }

  // Runs handlers until `done` holds (true) or `limit` has passed (false). Throws
  // std::runtime_error once a handler has reported a failure.
  bool run_until(const std::function<bool()>& done, clock::duration limit);
  // Runs handlers for `d`, whatever happens.
  void run_for(clock::duration d);

  // What a handler calls when something does not work (a lost connection, a refused
  // request): handlers must not throw through websocketpp, so the loop throws for them.
  void fail(std::string what);

 private:
  void throw_if_failed();

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::optional<std::string> failure_;
};

double micros(clock::duration d);
double millis(clock::duration d);
double seconds(clock::duration d);

}  // namespace wssd::bench
