#include "tools/hub/hub_server.hpp"

#include <spdlog/spdlog.h>

#include <asio/ip/address.hpp>
#include <utility>

namespace wss_hub {

hub_server::hub_server(asio::io_context& io, server_options options)
    : io_(io),
      options_(std::move(options)),
      hub_(options_.hub, [this](conn_id conn) { return ws_ && ws_->is_open(conn); }),
      ping_timer_(io) {}

std::optional<std::string> hub_server::start() {
  std::error_code ec;
  const auto address = asio::ip::make_address(options_.bind_address, ec);
  if (ec) return "bad bind address " + options_.bind_address + ": " + ec.message();
  std::shared_ptr<asio::ssl::context> tls;
  if (options_.tls) {
    auto made = make_tls_context(*options_.tls);
    if (auto* error = std::get_if<std::string>(&made)) return *error;
    tls = std::get<std::shared_ptr<asio::ssl::context>>(std::move(made));
  }
  ws_ = make_ws_endpoint(io_, tls,
                         {[this](conn_id conn, const std::string& ip, std::string_view text) {
                            on_ws_frame(conn, ip, text);
                          },
                          [this](conn_id conn) { on_ws_close(conn); }});
  if ((ec = ws_->listen({address, options_.ws_port}))) {
    return "WebSocket port " + std::to_string(options_.ws_port) + ": " + ec.message();
  }
  if (options_.http_port) {
    http_ = make_http_endpoint(io_, tls, [this](const std::string& ip, std::string_view body) {
      return on_http_request(ip, body);
    });
    if ((ec = http_->listen({address, *options_.http_port}))) {
      return "HTTP port " + std::to_string(*options_.http_port) + ": " + ec.message();
    }
  }
  ping_timer_.expires_after(options_.ping_interval);
  wait_for_ping();
  return std::nullopt;
}

void hub_server::stop() {
  ping_timer_.cancel();
  if (ws_) ws_->stop_listening();
  if (http_) http_->stop_listening();
}

std::uint16_t hub_server::ws_port() const {
  return ws_ ? ws_->port() : 0;
}

std::uint16_t hub_server::http_port() const {
  return http_ ? http_->port() : 0;
}

void hub_server::on_ws_frame(conn_id conn, const std::string& ip, std::string_view text) {
  deliver(hub_.on_frame({conn, ip, transport_kind::websocket}, text));
}

void hub_server::on_ws_close(conn_id conn) {
  deliver(hub_.on_close(conn));
}

std::optional<std::string> hub_server::on_http_request(const std::string& ip,
                                                       std::string_view body) {
  return deliver(hub_.on_frame({no_conn, ip, transport_kind::http}, body));
}

std::optional<std::string> hub_server::deliver(std::vector<outgoing> frames) {
  std::optional<std::string> http_reply;
  for (auto& frame : frames) {
    if (frame.to != no_conn) {
      ws_->send(frame.to, std::move(frame.text));
    } else if (!http_reply) {
      // An HTTP response ends with its first body, as Node's res.end() does.
      http_reply = std::move(frame.text);
    }
  }
  return http_reply;
}

// One global timer at a fixed period, like the server's setInterval.
void hub_server::wait_for_ping() {
  ping_timer_.async_wait([this](const std::error_code& ec) {
    if (ec) return;
    ws_->ping_round();
    ping_timer_.expires_at(ping_timer_.expiry() + options_.ping_interval);
    wait_for_ping();
  });
}

}  // namespace wss_hub
