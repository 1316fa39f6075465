#include "ipc/front_ends.hpp"

#include "ipc/socket_server.hpp"

namespace wssd {

namespace {

class running_front_ends final : public front_ends {
 public:
  explicit running_front_ends(std::unique_ptr<socket_server> socket) : socket_(std::move(socket)) {}
  void stop() override { socket_->stop(); }

 private:
  std::unique_ptr<socket_server> socket_;
};

}  // namespace

proto::parsed<std::unique_ptr<front_ends>> start_front_ends(asio::io_context& io, const config& c,
                                                            service& s) {
  auto listener = unix_listener::open(io, c.ipc);
  if (!listener) return std::move(listener.error());
  auto socket = std::make_unique<socket_server>(c, s, std::move(*listener));
  socket->start();
  return std::unique_ptr<front_ends>(std::make_unique<running_front_ends>(std::move(socket)));
}

}  // namespace wssd
