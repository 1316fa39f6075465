#include "daemon/system/notifier.hpp"

#include <systemd/sd-daemon.h>

namespace wssd {

notifier::notifier(asio::io_context& io) : watchdog_(io) {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) watchdog_interval_ = std::chrono::microseconds(usec / 2);
}

void notifier::ready() {
  sd_notify(0, "READY=1");
  if (watchdog_interval_.count() > 0) arm_watchdog();
}

void notifier::status(const std::string& text) {
  sd_notify(0, ("STATUS=" + text).c_str());
}

void notifier::stopping() {
  watchdog_.cancel();
  sd_notify(0, "STOPPING=1");
}

void notifier::arm_watchdog() {
  watchdog_.expires_after(watchdog_interval_);
  watchdog_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    sd_notify(0, "WATCHDOG=1");
    arm_watchdog();
  });
}

}  // namespace wssd
