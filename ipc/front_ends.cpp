#include "ipc/front_ends.hpp"

#include "ipc/dbus_service.hpp"
#include "ipc/socket_server.hpp"

namespace wssd {

namespace {

class running_front_ends final : public front_ends {
 public:
  running_front_ends(std::unique_ptr<socket_server> socket, std::shared_ptr<dbus_service> bus)
      : socket_(std::move(socket)), bus_(std::move(bus)) {}
  void stop() override {
    socket_->stop();
    if (bus_) bus_->stop();
  }

 private:
  std::unique_ptr<socket_server> socket_;
  std::shared_ptr<dbus_service> bus_;  // null with --bus none
};

}  // namespace

proto::parsed<std::unique_ptr<front_ends>> start_front_ends(asio::io_context& io, const config& c,
                                                            service& s) {
  auto listener = unix_listener::open(io, c.ipc);
  if (!listener) return listener.error();
  std::shared_ptr<dbus_service> bus;
  if (c.bus != "none") {
    auto started = dbus_service::start(io, c, s);
    if (!started) return started.error();
    bus = std::move(*started);
  }
  auto socket = std::make_unique<socket_server>(c, s, std::move(*listener));
  socket->start();
  return std::unique_ptr<front_ends>(
      std::make_unique<running_front_ends>(std::move(socket), std::move(bus)));
}

}  // namespace wssd
