// Tells systemd how wssd is doing (Type=notify): READY, STATUS and the watchdog.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <string>

namespace wssd {

class notifier {
 public:
  explicit notifier(asio::io_context& io);
  void ready();
  void status(const std::string& text);
  void stopping();

 private:
  void arm_watchdog();

  asio::steady_timer watchdog_;
  std::chrono::microseconds watchdog_interval_{0};
};

}  // namespace wssd
