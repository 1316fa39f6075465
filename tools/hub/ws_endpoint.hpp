// The hub's WebSocket port: websocketpp behind a small interface, plain or TLS.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "tools/hub/session_table.hpp"

namespace wss_hub {

class ws_endpoint {
 public:
  struct handlers {
    std::function<void(conn_id conn, const std::string& ip, std::string_view text)> on_frame;
    std::function<void(conn_id conn)> on_close;  // after a clean close or a drop
  };

  virtual ~ws_endpoint() = default;

  virtual std::error_code listen(const asio::ip::tcp::endpoint& at) = 0;
  virtual std::uint16_t port() const = 0;
  virtual void stop_listening() = 0;
  virtual bool is_open(conn_id conn) const = 0;
  virtual void send(conn_id conn, std::string text) = 0;
  // One tick of the reference server's ping timer: a socket that has not ponged since the
  // previous tick is dropped without a Close frame, every other one is pinged.
  virtual void ping_round() = 0;
};

// `tls` null: plain ws://.
std::unique_ptr<ws_endpoint> make_ws_endpoint(asio::io_context& io,
                                              std::shared_ptr<asio::ssl::context> tls,
                                              ws_endpoint::handlers handlers);

}  // namespace wss_hub
