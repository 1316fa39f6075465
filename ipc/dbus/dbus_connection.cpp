#include "ipc/dbus/dbus_connection.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <asio/post.hpp>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace wssd {

namespace {

// Start-up waits this long at most for the bus to answer the name request.
constexpr std::uint64_t start_up_timeout_usec = 10'000'000;
// Messages handled per turn before other work on the io_context gets its go.
constexpr int messages_per_turn = 64;

std::string describe(int negative_errno) {
  return std::strerror(-negative_errno);
}

// Where sd-bus looks for the bus, for error messages.
std::string address_of(const std::string& bus) {
  const char* variable = bus == "system" ? "DBUS_SYSTEM_BUS_ADDRESS" : "DBUS_SESSION_BUS_ADDRESS";
  const char* value = std::getenv(variable);
  if (value && *value) return std::string(variable) + "=" + value;
  return bus == "system" ? "the default system bus address"
                         : "$XDG_RUNTIME_DIR/bus (DBUS_SESSION_BUS_ADDRESS is not set)";
}

std::uint64_t monotonic_usec() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000 +
         static_cast<std::uint64_t>(now.tv_nsec) / 1'000;
}

}  // namespace

proto::parsed<std::shared_ptr<dbus_connection>> dbus_connection::open(asio::io_context& io,
                                                                      const std::string& bus) {
  sd_bus* raw = nullptr;
  const int r = bus == "system" ? sd_bus_open_system(&raw) : sd_bus_open_user(&raw);
  bus_ptr owned(raw);
  if (r < 0) {
    return proto::failure{"cannot connect to the " + bus + " bus at " + address_of(bus) + ": " +
                          describe(r) + " (--bus none runs wssd without D-Bus)"};
  }
  const int fd = sd_bus_get_fd(owned.get());
  if (fd < 0) return proto::failure{"cannot use the " + bus + " bus: " + describe(fd)};
  sd_bus_set_method_call_timeout(owned.get(), start_up_timeout_usec);
  return std::shared_ptr<dbus_connection>(new dbus_connection(io, std::move(owned), bus, fd));
}

dbus_connection::dbus_connection(asio::io_context& io, bus_ptr bus, std::string which, int fd)
    : io_(io),
      bus_(std::move(bus)),
      which_(std::move(which)),
      fd_(io, fd),
      timer_(io),
      flush_timer_(io) {}

dbus_connection::~dbus_connection() {
  close();
}

std::optional<proto::failure> dbus_connection::request_name(const char* name) {
  // No SD_BUS_NAME_QUEUE: a second wssd must fail loudly, not wait silently in line.
  const int r = sd_bus_request_name(bus_.get(), name, 0);
  if (r >= 0) return std::nullopt;
  const std::string what = "D-Bus name " + std::string(name);
  if (r == -EEXIST) {
    return proto::failure{what + " is already owned on the " + which_ +
                          " bus: is another wssd running?"};
  }
  std::string why = "cannot own " + what + " on the " + which_ + " bus: " + describe(r);
  if (r == -EACCES) why += " (the bus policy must allow it: see org.wssd.Session1.conf)";
  return proto::failure{why};
}

void dbus_connection::start() {
  // Start-up may have read messages already; they wait in sd-bus's queue, not on the socket.
  asio::post(io_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->process();
  });
}

void dbus_connection::flush(std::function<void()> done) {
  std::uint64_t queued = 0;
  if (!bus_ || sd_bus_get_n_queued_write(bus_.get(), &queued) < 0 || queued == 0) return done();
  watch();
  flush_timer_.expires_after(std::chrono::milliseconds(10));
  flush_timer_.async_wait(
      [weak = weak_from_this(), done = std::move(done)](const asio::error_code&) {
        if (auto self = weak.lock()) return self->flush(done);
        done();
      });
}

void dbus_connection::close() {
  if (fd_.is_open()) fd_.release();  // cancels the waits; sd-bus closes the descriptor
  timer_.cancel();
  flush_timer_.cancel();
  timer_deadline_.reset();
  bus_.reset();
}

void dbus_connection::process() {
  for (int handled = 0; bus_; ++handled) {
    if (handled == messages_per_turn) {
      return asio::post(io_, [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->process();
      });
    }
    const int r = sd_bus_process(bus_.get(), nullptr);
    if (r < 0) return lost(r);
    if (r == 0) break;
  }
  if (bus_) watch();
}

void dbus_connection::watch() {
  const int events = sd_bus_get_events(bus_.get());
  if (events < 0) return lost(events);
  if (events & POLLIN)
    wait_for(asio::posix::stream_descriptor::wait_read, &dbus_connection::reading_);
  if (events & POLLOUT) {
    wait_for(asio::posix::stream_descriptor::wait_write, &dbus_connection::writing_);
  }
  std::uint64_t until = 0;
  if (const int r = sd_bus_get_timeout(bus_.get(), &until); r < 0) return lost(r);
  arm_timer(until);
}

void dbus_connection::wait_for(asio::posix::stream_descriptor::wait_type type,
                               bool dbus_connection::*waiting) {
  if (this->*waiting) return;
  this->*waiting = true;
  fd_.async_wait(type, [weak = weak_from_this(), waiting](const asio::error_code& ec) {
    auto self = weak.lock();
    if (!self) return;
    self.get()->*waiting = false;
    if (!ec) self->process();
  });
}

void dbus_connection::arm_timer(std::uint64_t until_usec) {
  if (until_usec == UINT64_MAX) {
    if (timer_deadline_) timer_.cancel();
    timer_deadline_.reset();
    return;
  }
  if (timer_deadline_ == until_usec) return;
  timer_deadline_ = until_usec;
  const auto now = monotonic_usec();
  timer_.expires_after(std::chrono::microseconds(until_usec > now ? until_usec - now : 0));
  timer_.async_wait([weak = weak_from_this()](const asio::error_code& ec) {
    auto self = weak.lock();
    if (!self || ec) return;
    self->timer_deadline_.reset();
    self->process();
  });
}

void dbus_connection::lost(int error) {
  if (!bus_) return;
  spdlog::warn("D-Bus: the connection to the {} bus is lost ({}); the local socket keeps working",
               which_, describe(error));
  close();
  // Posted: the handler may replace this connection, which is still on the stack here.
  if (on_lost_) asio::post(io_, [handler = std::move(on_lost_), error] { handler(error); });
}

}  // namespace wssd
