// A blocking WebSocket client for tests, over wssd's own transport: the io_context runs on a
// background thread and received frames are handed over through a queue. Every wait is
// bounded.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "daemon/link/transport.hpp"

namespace wssd::test {

inline constexpr std::chrono::milliseconds default_timeout{5000};

class ws_test_client {
 public:
  explicit ws_test_client(tls_options tls = {});
  ~ws_test_client();
  ws_test_client(const ws_test_client&) = delete;
  ws_test_client& operator=(const ws_test_client&) = delete;

  // Opens ws:// or wss://; false if it did not open in time.
  bool connect(const std::string& url, std::chrono::milliseconds timeout = default_timeout);
  bool send_text(std::string_view text);
  bool ping();
  // The next frame, or nullopt after `timeout` or once closed with nothing left.
  std::optional<std::string> receive(std::chrono::milliseconds timeout = default_timeout);
  // Sends a Close frame and waits for the connection to end.
  bool close(std::chrono::milliseconds timeout = default_timeout);
  // Drops TCP without a Close frame and waits for the connection to end.
  bool abort(std::chrono::milliseconds timeout = default_timeout);
  bool wait_closed(std::chrono::milliseconds timeout = default_timeout);

  bool is_open() const;
  int pongs() const;
  std::string close_reason() const;

 private:
  enum class state { idle, connecting, open, closed };

  template <class F>
  auto on_io_thread(F f) -> decltype(f());
  bool wait_until_not(state s, std::chrono::milliseconds timeout);
  bool is_active() const;
  transport::handlers make_handlers();

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<transport> transport_;
  std::thread thread_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  state state_ = state::idle;
  std::deque<std::string> frames_;
  int pongs_ = 0;
  std::string close_reason_;
};

}  // namespace wssd::test
