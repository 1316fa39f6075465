// The only translation unit that includes websocketpp (see transport.hpp).
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <random>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_client.hpp>

#include "daemon/common/version.hpp"
#include "daemon/link/tls_context.hpp"
#include "daemon/link/transport.hpp"
#include "proto/websocket_frame.hpp"

namespace wssd {
namespace {

namespace ws = websocketpp;
using plain_client = ws::client<ws::config::asio_client>;
using tls_client = ws::client<ws::config::asio_tls_client>;

constexpr long close_handshake_timeout_ms = 1000;  // the server may stall; close TCP promptly

// Masking keys from the kernel's CSPRNG, as RFC 6455 10.3 asks (a predictable key would let
// whoever chooses a payload choose the bytes on the wire), fetched 256 at a time: websocketpp
// asks std::random_device for each frame.
class masking_keys {
 public:
  std::uint32_t next() {
    if (next_ == keys_.size()) refill();
    return keys_[next_++];
  }

 private:
  void refill() {
    auto* bytes = reinterpret_cast<char*>(keys_.data());
    std::size_t have = 0;
    while (have < sizeof keys_) {
      const auto n = getrandom(bytes + have, sizeof keys_ - have, 0);
      if (n > 0) {
        have += static_cast<std::size_t>(n);
      } else if (errno != EINTR) {
        // No getrandom (a kernel before 3.17): random_device reads /dev/urandom.
        std::random_device device;
        for (auto& key : keys_) key = device();
        break;
      }
    }
    next_ = 0;
  }

  std::array<std::uint32_t, 256> keys_{};
  std::size_t next_ = keys_.size();
};

// One websocketpp endpoint and the connection currently in use on it.
template <class Client>
class link {
 public:
  link(asio::io_context& io, tls_options tls, std::size_t max_message) : tls_(std::move(tls)) {
    client_.clear_access_channels(ws::log::alevel::all);
    client_.clear_error_channels(ws::log::elevel::all);
    client_.init_asio(&io);
    client_.set_close_handshake_timeout(close_handshake_timeout_ms);
    client_.set_max_message_size(max_message);
    client_.set_user_agent("wssd/" WSSD_VERSION);
    // Messages are small and interactive: Nagle would hold one back behind an unacked one.
    client_.set_tcp_post_init_handler([this](ws::connection_hdl hdl) {
      asio::error_code ignored;
      client_.get_con_from_hdl(hdl)->get_raw_socket().set_option(asio::ip::tcp::no_delay(true),
                                                                 ignored);
    });
    if constexpr (std::is_same_v<Client, tls_client>) {
      // Called from inside get_connection(), before any handle exists: use the host of the
      // URL being connected.
      client_.set_tls_init_handler([this](ws::connection_hdl) {
        return make_tls_context(tls_, connecting_host_, why_refused_);
      });
    }
  }

  std::error_code connect(const std::string& url, transport::handlers h) {
    ws::lib::error_code ec;
    const auto parsed = std::make_shared<ws::uri>(url);
    if (!parsed->get_valid()) return ws::error::make_error_code(ws::error::invalid_uri);
    connecting_host_ = parsed->get_host();
    why_refused_ = std::make_shared<std::string>();
    auto con = client_.get_connection(parsed, ec);
    if (ec) return ec;
    handlers_ = std::move(h);
    con_ = con;
    con->set_open_handler([this](ws::connection_hdl hdl) {
      if (is_current(hdl) && handlers_.on_open) handlers_.on_open();
    });
    con->set_message_handler([this](ws::connection_hdl hdl, typename Client::message_ptr msg) {
      if (is_current(hdl) && handlers_.on_message) handlers_.on_message(msg->get_payload());
    });
    con->set_pong_handler([this](ws::connection_hdl hdl, std::string) {
      if (is_current(hdl) && handlers_.on_pong) handlers_.on_pong();
      return;
    });
    con->set_fail_handler([this](ws::connection_hdl hdl) { finish(hdl); });
    con->set_close_handler([this](ws::connection_hdl hdl) { finish(hdl); });
    client_.connect(con);
    return {};
  }

  std::error_code send(std::string text) {
    if (!con_) return std::make_error_code(std::errc::not_connected);
    auto frame = proto::prepared_text_frame<typename Client::message_ptr::element_type>(
        std::move(text), keys_.next());
    if (!frame) return ws::processor::error::make_error_code(ws::processor::error::invalid_payload);
    return con_->send(frame);
  }

  std::error_code ping() {
    if (!con_) return std::make_error_code(std::errc::not_connected);
    ws::lib::error_code ec;
    con_->ping("", ec);
    return ec;
  }

  void close(std::string_view reason) {
    if (!con_) return;
    ws::lib::error_code ec;
    if (con_->get_state() == ws::session::state::open) {
      con_->close(ws::close::status::going_away, std::string(reason), ec);
    }
    if (ec || con_->get_state() != ws::session::state::closing) abort();
  }

  void abort() {
    if (!con_) return;
    asio::error_code ignored;
    con_->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    con_->get_raw_socket().close(ignored);
  }

 private:
  bool is_current(ws::connection_hdl hdl) const { return con_ && hdl.lock() == con_; }

  void finish(ws::connection_hdl hdl) {
    if (!is_current(hdl)) return;
    // websocketpp answers an over-long message with Close 1009 of its own; when the link ends
    // before that Close is out (a ping deadline, a reset), the connection's error still says it.
    const bool too_big = con_->get_local_close_code() == ws::close::status::message_too_big ||
                         con_->get_ec() == ws::processor::error::make_error_code(
                                               ws::processor::error::message_too_big);
    transport::closed closed{describe(*con_), too_big};
    if (why_refused_ && !why_refused_->empty()) closed.reason += " (" + *why_refused_ + ")";
    con_.reset();
    auto on_close = std::move(handlers_.on_close);
    handlers_ = {};
    if (on_close) on_close(std::move(closed));
  }

  static std::string describe(typename Client::connection_type& con) {
    std::string reason = con.get_ec() ? con.get_ec().message() : "closed";
    if (auto tec = con.get_transport_ec(); tec && tec.message() != reason) {
      reason += ": " + tec.message();
    }
    if (con.get_remote_close_code() != ws::close::status::blank) {
      reason += " (close code " + std::to_string(con.get_remote_close_code());
      if (!con.get_remote_close_reason().empty()) reason += ", " + con.get_remote_close_reason();
      reason += ")";
    }
    return reason;
  }

  Client client_;
  tls_options tls_;
  std::string connecting_host_;
  std::shared_ptr<std::string> why_refused_;
  typename Client::connection_ptr con_;
  transport::handlers handlers_;
  masking_keys keys_;
};

class websocket_transport final : public transport {
 public:
  websocket_transport(asio::io_context& io, tls_options tls, std::size_t max_message)
      : io_(io), plain_(io, tls, max_message), secure_(io, std::move(tls), max_message) {}

  void connect(const std::string& url, handlers h) override {
    secure_in_use_ = url.rfind("wss://", 0) == 0;
    auto on_close = h.on_close;
    auto ec =
        secure_in_use_ ? secure_.connect(url, std::move(h)) : plain_.connect(url, std::move(h));
    if (ec && on_close) {
      asio::post(io_, [on_close, reason = "invalid URL " + url + ": " + ec.message()] {
        on_close({reason});
      });
    }
  }
  std::error_code send(std::string text) override {
    return secure_in_use_ ? secure_.send(std::move(text)) : plain_.send(std::move(text));
  }
  std::error_code ping() override { return secure_in_use_ ? secure_.ping() : plain_.ping(); }
  void close(std::string_view reason) override {
    secure_in_use_ ? secure_.close(reason) : plain_.close(reason);
  }
  void abort() override { secure_in_use_ ? secure_.abort() : plain_.abort(); }

 private:
  asio::io_context& io_;
  link<plain_client> plain_;
  link<tls_client> secure_;
  bool secure_in_use_ = false;
};

}  // namespace

std::unique_ptr<transport> make_websocket_transport(asio::io_context& io, tls_options tls,
                                                    std::size_t max_message) {
  return std::make_unique<websocket_transport>(io, std::move(tls), max_message);
}

}  // namespace wssd
