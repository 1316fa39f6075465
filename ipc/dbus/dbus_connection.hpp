// One sd-bus connection driven from wssd's io_context: no thread of its own, no blocking call
// once the loop runs. sd-bus says which readiness it needs (sd_bus_get_events) and when it
// wants to be called back anyway (sd_bus_get_timeout); an Asio descriptor wait and a timer
// turn those into calls of sd_bus_process.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ipc/dbus/sd_bus_ptr.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class dbus_connection : public std::enable_shared_from_this<dbus_connection> {
 public:
  // `bus` is "system" or "session"; sd-bus honours $DBUS_SYSTEM_BUS_ADDRESS and
  // $DBUS_SESSION_BUS_ADDRESS.
  static proto::parsed<std::shared_ptr<dbus_connection>> open(asio::io_context& io,
                                                              const std::string& bus);
  ~dbus_connection();
  dbus_connection(const dbus_connection&) = delete;
  dbus_connection& operator=(const dbus_connection&) = delete;

  // Null once closed (by close() or because the bus went away).
  sd_bus* get() const { return bus_.get(); }
  const std::string& bus_name() const { return which_; }

  // Owns `name` or says why not; never queues behind another owner. It waits for the bus's
  // answer (bounded), so it is for start-up, before the loop runs.
  std::optional<proto::failure> request_name(const char* name);
  // From now on the io_context drives the connection.
  void start();
  // Called (posted, never from inside sd-bus) once when the bus goes away: dbus-daemon
  // restarted or the connection broke. The connection is closed by then.
  void on_lost(std::function<void(int error)> handler) { on_lost_ = std::move(handler); }
  // Runs `write(bus)`, which queues messages, and sees that they get written when the socket
  // allows: everything wssd sends outside an sd-bus callback goes through here, so nothing
  // can be left unwritten. -ENOTCONN once the bus is gone.
  template <class F>
  int write(F&& write_fn) {
    if (!bus_) return -ENOTCONN;
    const int r = write_fn(bus_.get());
    watch();
    return r;
  }
  // `done` runs once everything queued is written (or the bus is gone).
  void flush(std::function<void()> done);
  void close();

 private:
  dbus_connection(asio::io_context& io, bus_ptr bus, std::string which, int fd);

  void process();
  void watch();
  void wait_for(asio::posix::stream_descriptor::wait_type type, bool dbus_connection::*waiting);
  void arm_timer(std::uint64_t until_usec);
  void lost(int error);

  asio::io_context& io_;
  bus_ptr bus_;
  std::string which_;
  asio::posix::stream_descriptor fd_;  // sd-bus's own: released, never closed, by us
  asio::steady_timer timer_;
  asio::steady_timer flush_timer_;
  std::optional<std::uint64_t> timer_deadline_;  // CLOCK_MONOTONIC µs, as sd-bus gives it
  std::function<void(int error)> on_lost_;
  bool reading_ = false;
  bool writing_ = false;
};

}  // namespace wssd
