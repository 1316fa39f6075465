#include "tools/hub/http_endpoint.hpp"

#include <spdlog/spdlog.h>

#include <deque>
#include <utility>

#include "tools/hub/endpoint_setup.hpp"

namespace wss_hub {

namespace {

// Requests left hanging are held here, since websocketpp lets go of a deferred connection;
// past this many the oldest is let go (and closed) to bound the memory.
constexpr std::size_t max_hanging_requests = 1024;

template <class Config>
class http_front final : public listening_endpoint<Config, http_endpoint> {
  using base = listening_endpoint<Config, http_endpoint>;
  using base::server_;
  using typename base::server_type;
  using request_handler = http_endpoint::request_handler;

 public:
  http_front(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls, request_handler handler)
      : base(io, std::move(tls)), handler_(std::move(handler)) {
    server_.set_max_http_body_size(max_message_size);
    server_.set_http_handler([this](websocketpp::connection_hdl hdl) { on_http(std::move(hdl)); });
    server_.set_validate_handler(
        [this](websocketpp::connection_hdl hdl) { return on_upgrade(std::move(hdl)); });
  }

 private:
  using connection_ptr = typename server_type::connection_ptr;

  void on_http(websocketpp::connection_hdl hdl) {
    std::error_code ec;
    const auto con = server_.get_con_from_hdl(hdl, ec);
    if (ec) return;
    if (con->get_request().get_method() != "POST") {
      spdlog::debug("http: {} {} left unanswered", con->get_request().get_method(),
                    con->get_resource());
      hang(con);
      return;
    }
    const auto body = handler_(remote_ip(con), con->get_request_body());
    if (!body) {
      hang(con);
      return;
    }
    con->set_status(websocketpp::http::status_code::ok);
    con->replace_header("Content-Type", "application/json-rpc");
    con->replace_header("Access-Control-Allow-Origin", "*");
    con->set_body(*body);
  }

  // Node's http server has no upgrade listener here: it just destroys the socket.
  bool on_upgrade(websocketpp::connection_hdl hdl) {
    std::error_code ec;
    const auto con = server_.get_con_from_hdl(hdl, ec);
    if (!ec) drop_tcp(con);
    return false;
  }

  void hang(const connection_ptr& con) {
    con->defer_http_response();
    hanging_.push_back(con);
    if (hanging_.size() > max_hanging_requests) hanging_.pop_front();
  }

  request_handler handler_;
  std::deque<connection_ptr> hanging_;
};

}  // namespace

std::unique_ptr<http_endpoint> make_http_endpoint(asio::io_context& io,
                                                  std::shared_ptr<asio::ssl::context> tls,
                                                  http_endpoint::request_handler handler) {
  if (tls) {
    return std::make_unique<http_front<tls_config>>(io, std::move(tls), std::move(handler));
  }
  return std::make_unique<http_front<plain_config>>(io, nullptr, std::move(handler));
}

}  // namespace wss_hub
