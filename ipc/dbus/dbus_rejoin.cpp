// Joining the bus again. When the connection is lost (dbus-daemon restarted, or the bus broke
// it), wssd goes on serving its socket and rejoins by itself: a new connection, the object
// exported again, the name owned again, and a PropertiesChanged with the current values. Each
// failure (no bus yet, the name owned by someone else, the policy refusing it) waits a
// backoff: backoff.base doubling up to backoff.cap, with jitter, never less than 0.1 s. Nothing
// here blocks the loop: the name is asked for with sd_bus_request_name_async.
#include <spdlog/spdlog.h>

#include <cstring>

#include "ipc/dbus/dbus_service.hpp"

namespace wssd {

namespace {

// RequestName's answers (the D-Bus specification).
constexpr std::uint32_t primary_owner = 1;
constexpr std::uint32_t already_owner = 4;

}  // namespace

void dbus_service::watch_connection() {
  const auto generation = ++bus_generation_;
  bus_->on_lost([weak = weak_from_this(), generation](int error) {
    if (auto self = weak.lock()) self->on_connection_lost(generation, error);
  });
}

void dbus_service::on_connection_lost(std::uint64_t generation, int) {
  if (generation != bus_generation_ || stopped_ || !accepting_) return;
  // These belonged to the old connection; the callers waiting on it went with it.
  name_request_.reset();
  object_.reset();
  waiting_calls_.clear();
  if (!lost_since_) lost_since_ = std::chrono::steady_clock::now();
  retry(rejoin_step::connect, "");
}

void dbus_service::retry(rejoin_step step, const std::string& why) {
  const auto delay = rejoin_backoff_.next();
  if (why.empty()) {
    spdlog::info("D-Bus: joining the {} bus again in {:.1f} s", config_.bus, delay.count());
  } else {
    spdlog::warn("D-Bus: {}; trying again in {:.1f} s", why, delay.count());
  }
  rejoin_timer_.expires_after(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay));
  rejoin_timer_.async_wait([weak = weak_from_this(), step](const asio::error_code& ec) {
    auto self = weak.lock();
    if (!self || ec || self->stopped_ || !self->accepting_) return;
    if (step == rejoin_step::connect) {
      self->reconnect_bus();
    } else {
      self->request_name();
    }
  });
}

void dbus_service::reconnect_bus() {
  auto bus = dbus_connection::open(io_, config_.bus);
  if (!bus) return retry(rejoin_step::connect, bus.error().what);
  bus_ = std::move(*bus);
  watch_connection();
  if (auto failed = export_object()) {
    bus_->close();
    return retry(rejoin_step::connect, failed->what);
  }
  bus_->start();
  request_name();
}

void dbus_service::request_name() {
  name_request_.reset();
  sd_bus_slot* slot = nullptr;
  // No SD_BUS_NAME_QUEUE, as at start-up: either the name is ours now, or it is asked for
  // again later; wssd never waits in line behind another owner.
  const int r = bus_->write([&](sd_bus* bus) {
    return sd_bus_request_name_async(bus, &slot, name_.c_str(), 0, &dbus_service::on_name_reply,
                                     this);
  });
  name_request_.reset(slot);
  if (r == -ENOTCONN) return;  // the connection went meanwhile; its loss starts over
  if (r < 0) {
    retry(rejoin_step::request_name, "cannot ask for " + name_ + ": " + std::strerror(-r));
  }
}

int dbus_service::on_name_reply(sd_bus_message* m, void* userdata, sd_bus_error*) {
  try {
    static_cast<dbus_service*>(userdata)->name_answered(m);
  } catch (const std::exception& e) {  // sd-bus is C: nothing may unwind through it
    spdlog::error("D-Bus: internal error after RequestName: {}", e.what());
  }
  return 0;
}

void dbus_service::name_answered(sd_bus_message* reply) {
  if (stopped_ || !accepting_) return;
  // A closing connection fails its pending calls first; the loss that follows starts over.
  if (!bus_->get() || sd_bus_is_open(bus_->get()) <= 0) return;
  const std::string where = " on the " + config_.bus + " bus";
  if (sd_bus_message_is_method_error(reply, nullptr)) {
    const sd_bus_error* e = sd_bus_message_get_error(reply);
    std::string why = "cannot own " + name_ + where + ": " +
                      (e && e->message ? e->message : (e && e->name ? e->name : "an error"));
    if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED)) {
      why += " (the bus policy must allow it: see org.wssd.Session1.conf)";
    }
    return retry(rejoin_step::request_name, why);
  }
  std::uint32_t answer = 0;
  if (const int r = sd_bus_message_read(reply, "u", &answer); r < 0) {
    return retry(rejoin_step::request_name,
                 "RequestName answered what makes no sense: " + std::string(std::strerror(-r)));
  }
  if (answer != primary_owner && answer != already_owner) {
    return retry(rejoin_step::request_name,
                 name_ + " is owned by another process" + where + " (another wssd?)");
  }
  const auto outage = lost_since_ ? std::chrono::steady_clock::now() - *lost_since_
                                  : std::chrono::steady_clock::duration{};
  lost_since_.reset();
  rejoin_backoff_.reset();
  spdlog::info("D-Bus: {}{} again, {:.1f} s after the connection was lost", name_, where,
               std::chrono::duration<double>(outage).count());
  // Watchers that came back with the bus learn the values they missed.
  mark_all_changed();
}

}  // namespace wssd
