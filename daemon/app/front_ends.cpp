#include "daemon/app/front_ends.hpp"

#include <spdlog/spdlog.h>

#include "ipc/dbus/dbus_service.hpp"
#include "ipc/http/metrics_listener.hpp"
#include "ipc/server/socket_server.hpp"

namespace wssd {

namespace {

class running_front_ends final : public front_ends {
 public:
  running_front_ends(std::unique_ptr<socket_server> socket, std::shared_ptr<dbus_service> bus,
                     std::unique_ptr<metrics_listener> metrics)
      : socket_(std::move(socket)), bus_(std::move(bus)), metrics_(std::move(metrics)) {}

  void stop_accepting() override {
    socket_->stop_accepting();
    if (bus_) bus_->stop_accepting();
    if (metrics_) metrics_->stop();
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
  // Declared last, so destroyed first: it renders from socket_.
  std::unique_ptr<metrics_listener> metrics_;  // null without metrics.listen
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
  std::unique_ptr<metrics_listener> metrics;
  if (!c.metrics.listen.empty()) {
    auto address = parse_listen_address(c.metrics.listen);
    if (!address) return proto::failure{"metrics.listen: " + address.error().what};
    auto opened = metrics_listener::open(
        io, *address, [scraped = socket.get()] { return scraped->metrics(); }, {});
    if (!opened) return opened.error();
    metrics = std::move(*opened);
    spdlog::info("serving /metrics on {}", metrics->name());
  }
  socket->start();
  return std::unique_ptr<front_ends>(
      std::make_unique<running_front_ends>(std::move(socket), std::move(bus), std::move(metrics)));
}

}  // namespace wssd
