// wssd's own liveness check of the link: a ping every ping_interval, and the link is dead when
// the oldest unanswered ping is ping_timeout old. Later pings never push that deadline back, so
// it holds whatever the two values are.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <functional>
#include <string>
#include <system_error>

#include "daemon/config.hpp"

namespace wssd {

class keepalive {
 public:
  using ping_fn = std::function<std::error_code()>;
  using dead_fn = std::function<void(std::string why)>;

  keepalive(asio::io_context& io, ping_fn ping, dead_fn dead);

  void start(seconds interval, seconds timeout);
  void pong();
  void stop();

 private:
  void arm_ping();

  ping_fn ping_;
  dead_fn dead_;
  seconds interval_{0};
  seconds timeout_{0};
  bool running_ = false;
  bool awaiting_pong_ = false;
  asio::steady_timer ping_timer_;
  asio::steady_timer pong_deadline_;
};

}  // namespace wssd
