// The hub's optional HTTP port: JSON-RPC over POST, as the reference server's Node.js http
// server takes it (Node 20 defaults): keep-alive, pipelining, chunked bodies, its answers to
// requests it cannot parse and its timeouts. Anything but a POST is never answered.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace wss_hub {

class http_endpoint {
 public:
  // The response body for a POST from `ip`; nullopt leaves the request hanging.
  using request_handler =
      std::function<std::optional<std::string>(const std::string& ip, std::string_view body)>;

  virtual ~http_endpoint() = default;

  virtual std::error_code listen(const asio::ip::tcp::endpoint& at) = 0;
  virtual std::uint16_t port() const = 0;
  virtual void stop_listening() = 0;
};

// `tls` null: plain http://.
std::unique_ptr<http_endpoint> make_http_endpoint(asio::io_context& io,
                                                  std::shared_ptr<asio::ssl::context> tls,
                                                  http_endpoint::request_handler handler);

}  // namespace wss_hub
