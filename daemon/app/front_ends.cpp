#include "daemon/app/front_ends.hpp"

#include "ipc/dbus/dbus_service.hpp"
#include "ipc/server/socket_server.hpp"

namespace wssd {

namespace {

class running_front_ends final : public front_ends {
 public:
  running_front_ends(std::unique_ptr<socket_server> socket, std::shared_ptr<dbus_service> bus)
      : socket_(std::move(socket)), bus_(std::move(bus)) {}

  void stop_accepting() override {
    socket_->stop_accepting();
    if (bus_) bus_->stop_accepting();
  }

  void drain(std::function<void()> done) override {
    // Both faces drain side by side; the last to finish calls `done`.
    auto left = std::make_shared<int>(bus_ ? 2 : 1);
    auto one_done = [left, done = std::move(done)] {
      if (--*left == 0) done();
    };
    socket_->drain(one_done);
    if (bus_) bus_->drain(one_done);
  }

  void reconfigure() override {
    socket_->reconfigure();
    if (bus_) bus_->reconfigure();
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
