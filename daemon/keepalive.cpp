#include "daemon/keepalive.hpp"

#include "daemon/duration.hpp"

namespace wssd {

keepalive::keepalive(asio::io_context& io, ping_fn ping, dead_fn dead)
    : ping_(std::move(ping)), dead_(std::move(dead)), ping_timer_(io), pong_deadline_(io) {}

void keepalive::start(seconds interval, seconds timeout) {
  stop();
  interval_ = interval;
  timeout_ = timeout;
  running_ = true;
  arm_ping();
}

void keepalive::pong() {
  awaiting_pong_ = false;
  pong_deadline_.cancel();
}

void keepalive::stop() {
  running_ = false;
  awaiting_pong_ = false;
  ping_timer_.cancel();
  pong_deadline_.cancel();
}

void keepalive::arm_ping() {
  ping_timer_.expires_after(to_duration(interval_));
  ping_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || !running_) return;
    if (auto failed = ping_()) return dead_("cannot ping the server: " + failed.message());
    if (!awaiting_pong_) {
      awaiting_pong_ = true;
      pong_deadline_.expires_after(to_duration(timeout_));
      pong_deadline_.async_wait([this](const asio::error_code& deadline_ec) {
        if (deadline_ec || !running_ || !awaiting_pong_) return;
        dead_("no pong from the server within " + format_seconds(timeout_) + ": the link is dead");
      });
    }
    arm_ping();
  });
}

}  // namespace wssd
