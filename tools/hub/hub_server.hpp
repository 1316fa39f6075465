// The hub as a network service: the session logic, its WebSocket port, its optional HTTP
// port and the global ping timer, all on one io_context.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/hub/http_endpoint.hpp"
#include "tools/hub/hub.hpp"
#include "tools/hub/tls_context.hpp"
#include "tools/hub/ws_endpoint.hpp"

namespace wss_hub {

struct server_options {
  std::string bind_address = "127.0.0.1";
  std::uint16_t ws_port = 0;               // 0: any free port
  std::optional<std::uint16_t> http_port;  // none: no HTTP port
  std::chrono::milliseconds ping_interval{15000};
  hub_options hub;
  std::optional<tls_files> tls;
};

class hub_server {
 public:
  hub_server(asio::io_context& io, server_options options);

  // Opens the ports and starts the ping timer; on failure, says what went wrong.
  std::optional<std::string> start();
  // Closes the ports and stops the timer; open connections are left to the caller's exit.
  void stop();

  std::uint16_t ws_port() const;
  std::uint16_t http_port() const;  // 0 without an HTTP port

 private:
  void on_ws_frame(conn_id conn, const std::string& ip, std::string_view text);
  void on_ws_close(conn_id conn);
  std::optional<std::string> on_http_request(const std::string& ip, std::string_view body);
  // Writes frames for WebSockets; returns the first one meant for the HTTP requester.
  std::optional<std::string> deliver(std::vector<outgoing> frames);
  void wait_for_ping();

  asio::io_context& io_;
  server_options options_;
  hub hub_;
  std::unique_ptr<ws_endpoint> ws_;
  std::unique_ptr<http_endpoint> http_;
  asio::steady_timer ping_timer_;
};

}  // namespace wss_hub
