#include "tools/hub/ws_endpoint.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <utility>

#include "proto/websocket_frame.hpp"
#include "tools/hub/endpoint_setup.hpp"

namespace wss_hub {

namespace {

template <class Config>
class ws_front final : public listening_endpoint<Config, ws_endpoint> {
  using base = listening_endpoint<Config, ws_endpoint>;
  using base::server_;
  using typename base::server_type;
  using handlers = ws_endpoint::handlers;

 public:
  ws_front(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls, handlers handlers)
      : base(io, std::move(tls)), handlers_(std::move(handlers)) {
    server_.set_max_message_size(max_message_size);
    server_.set_validate_handler(
        [this](websocketpp::connection_hdl hdl) { return on_validate(std::move(hdl)); });
    server_.set_open_handler([this](websocketpp::connection_hdl hdl) { on_open(std::move(hdl)); });
    server_.set_http_handler([this](websocketpp::connection_hdl hdl) { on_http(std::move(hdl)); });
  }

  bool is_open(conn_id conn) const override {
    const auto con = connection(conn);
    return con && con->get_state() == websocketpp::session::state::open;
  }

  void send(conn_id conn, std::string text) override {
    const auto con = connection(conn);
    if (!con) return;
    // The hub's own JSON; a server's frames are not masked.
    auto frame = wssd::proto::prepared_text_frame<typename message_ptr::element_type>(
        std::move(text), std::nullopt);
    if (!frame) return spdlog::warn("ws#{}: not sent: the frame is not valid UTF-8", conn);
    if (const auto ec = con->send(frame)) {
      spdlog::debug("ws#{}: send failed: {}", conn, ec.message());
    }
  }

  void ping_round() override {
    for (auto& [conn, client] : clients_) {
      const auto con = connection(conn);
      if (!con) continue;
      if (!client.ponged) {
        spdlog::info("ws#{}: no pong since the last ping, dropping it", conn);
        drop_tcp(con);
        continue;
      }
      client.ponged = false;
      std::error_code ec;
      con->ping("", ec);
    }
  }

 private:
  using connection_ptr = typename server_type::connection_ptr;
  using message_ptr = typename server_type::message_ptr;

  struct client {
    websocketpp::connection_hdl hdl;
    bool ponged = true;  // a new socket counts as alive until its first ping
  };

  connection_ptr connection(conn_id conn) const {
    const auto it = clients_.find(conn);
    if (it == clients_.end()) return nullptr;
    std::error_code ec;
    return server_.get_con_from_hdl(it->second.hdl, ec);
  }

  // The ws library picks the first subprotocol a client offers.
  bool on_validate(websocketpp::connection_hdl hdl) {
    std::error_code ec;
    const auto con = server_.get_con_from_hdl(hdl, ec);
    if (ec) return false;
    const auto& offered = con->get_requested_subprotocols();
    if (!offered.empty()) con->select_subprotocol(offered.front(), ec);
    return true;
  }

  // A plain HTTP request on the WebSocket port gets what the ws library answers.
  void on_http(websocketpp::connection_hdl hdl) {
    std::error_code ec;
    const auto con = server_.get_con_from_hdl(hdl, ec);
    if (ec) return;
    con->set_status(websocketpp::http::status_code::upgrade_required);
    con->replace_header("Content-Type", "text/plain");
    con->set_body("Upgrade Required");
  }

  void on_open(websocketpp::connection_hdl hdl) {
    std::error_code ec;
    const auto con = server_.get_con_from_hdl(hdl, ec);
    if (ec) return;
    const conn_id conn = next_conn_++;
    const std::string ip = remote_ip(con);
    clients_.emplace(conn, client{hdl});
    con->set_message_handler([this, conn, ip](websocketpp::connection_hdl, message_ptr message) {
      handlers_.on_frame(conn, ip, message->get_payload());
    });
    con->set_pong_handler([this, conn](websocketpp::connection_hdl, std::string) {
      const auto it = clients_.find(conn);
      if (it != clients_.end()) it->second.ponged = true;
    });
    con->set_close_handler([this, conn](websocketpp::connection_hdl) {
      spdlog::debug("ws#{}: closed", conn);
      clients_.erase(conn);
      handlers_.on_close(conn);
    });
    spdlog::debug("ws#{}: open from {}", conn, ip);
  }

  handlers handlers_;
  std::map<conn_id, client> clients_;
  conn_id next_conn_ = no_conn + 1;
};

}  // namespace

std::unique_ptr<ws_endpoint> make_ws_endpoint(asio::io_context& io,
                                              std::shared_ptr<asio::ssl::context> tls,
                                              ws_endpoint::handlers handlers) {
  if (tls) return std::make_unique<ws_front<tls_config>>(io, std::move(tls), std::move(handlers));
  return std::make_unique<ws_front<plain_config>>(io, nullptr, std::move(handlers));
}

}  // namespace wss_hub
