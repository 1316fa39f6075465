// Setup shared by the hub's two websocketpp endpoints.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>
#include <websocketpp/server.hpp>

#include "tools/hub/ws_config.hpp"

namespace wss_hub {

// The reference server's limit (the ws library's maxPayload), for frames and POST bodies.
inline constexpr std::size_t max_message_size = 100 * 1024 * 1024;

template <class Config>
std::error_code open_endpoint(websocketpp::server<Config>& server, asio::io_context& io,
                              const std::shared_ptr<asio::ssl::context>& tls,
                              const asio::ip::tcp::endpoint& at) {
  std::error_code ec;
  server.init_asio(&io, ec);
  if (ec) return ec;
  if constexpr (std::is_same_v<Config, tls_config>) {
    server.set_tls_init_handler([tls](websocketpp::connection_hdl) { return tls; });
  }
  server.set_user_agent("");  // neither ws nor Node's http server sends a Server header
  // Lets a restarted hub take its port back while old connections sit in TIME_WAIT.
  server.set_reuse_addr(true);
  // Small interactive frames: without this a push can wait behind the peer's delayed ACK.
  server.set_tcp_post_init_handler([&server](websocketpp::connection_hdl hdl) {
    std::error_code ignored;
    server.get_con_from_hdl(hdl)->get_raw_socket().set_option(asio::ip::tcp::no_delay(true),
                                                              ignored);
  });
  server.listen(at, ec);
  if (ec) return ec;
  server.start_accept(ec);
  return ec;
}

template <class Config>
std::uint16_t bound_port(websocketpp::server<Config>& server) {
  std::error_code ec;
  const auto local = server.get_local_endpoint(ec);
  return ec ? 0 : local.port();
}

// What both endpoints share: one websocketpp server on the hub's io_context, and listening.
template <class Config, class Interface>
class listening_endpoint : public Interface {
 public:
  std::error_code listen(const asio::ip::tcp::endpoint& at) override {
    const auto ec = open_endpoint(server_, io_, tls_, at);
    if (!ec) port_ = bound_port(server_);
    return ec;
  }

  std::uint16_t port() const override { return port_; }

  void stop_listening() override {
    std::error_code ec;
    server_.stop_listening(ec);
  }

 protected:
  using server_type = websocketpp::server<Config>;

  listening_endpoint(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls)
      : io_(io), tls_(std::move(tls)) {}

  mutable server_type server_;  // websocketpp's connection lookup is not const

 private:
  asio::io_context& io_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::uint16_t port_ = 0;
};

// The peer address as text: the session table's key.
template <class ConnectionPtr>
std::string remote_ip(const ConnectionPtr& con) {
  std::error_code ec;
  const auto remote = con->get_raw_socket().remote_endpoint(ec);
  return ec ? std::string() : remote.address().to_string();
}

// Drops the TCP connection under a WebSocket without a Close frame, like ws.terminate().
template <class ConnectionPtr>
void drop_tcp(const ConnectionPtr& con) {
  std::error_code ec;
  con->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
}

}  // namespace wss_hub
