#include "tools/hub/http_endpoint.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <ctime>
#include <deque>
#include <utility>

#include "tools/hub/endpoint_setup.hpp"
#include "tools/hub/http_request_parser.hpp"

namespace wss_hub {

namespace {

using namespace std::chrono_literals;

// Node 20's server defaults. An idle keep-alive socket is destroyed one second after the
// advertised `Keep-Alive: timeout=5`, as measured on Node 20.
constexpr auto keep_alive_idle = 6s;
constexpr auto headers_timeout = 60s;
constexpr auto request_timeout = 300s;
// Node stops reading a socket whose responses wait behind an unfinished one once they reach
// the socket's high-water mark.
constexpr std::size_t max_held_bytes = 16 * 1024;
// Connections with a request left hanging stay open on the reference server; past this many
// the oldest is closed, to bound the hub's memory.
constexpr std::size_t max_hanging_connections = 1024;
constexpr auto tls_shutdown_grace = 2s;

// IMF-fixdate, as Node's Date header.
std::string http_date() {
  static constexpr std::array<const char*, 7> days = {"Sun", "Mon", "Tue", "Wed",
                                                      "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t now = std::time(nullptr);
  std::tm t{};
  gmtime_r(&now, &t);
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                days[static_cast<std::size_t>(t.tm_wday)], t.tm_mday,
                months[static_cast<std::size_t>(t.tm_mon)], t.tm_year + 1900, t.tm_hour, t.tm_min,
                t.tm_sec);
  return out;
}

bool keeps_alive(const http_request_head& head) {
  return head.keep_alive && head.is_http11();
}

// res.setHeader() twice and res.end(body): Node adds Date, Connection and the length, or for
// anything but HTTP/1.1 ends the body by closing.
std::string rpc_response(const http_request_head& head, std::string_view body) {
  std::string out =
      "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Type: application/json-rpc\r\n"
      "Date: " +
      http_date() + "\r\n";
  if (head.is_http11()) {
    out += head.keep_alive ? "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                           : "Connection: close\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  } else {
    out += "Connection: close\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

// Node's own answer to an Expect it does not know: writeHead(417) and end().
std::string expectation_failed(const http_request_head& head) {
  return "HTTP/1.1 417 Expectation Failed\r\nDate: " + http_date() + "\r\n" +
         (head.keep_alive ? "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                          : "Connection: close\r\n") +
         "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
}

// Node 20's requireHostHeader: an HTTP/1.1 request without Host.
std::string missing_host() {
  return "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nDate: " + http_date() +
         "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
}

// Node's clientError answers, written before it destroys the socket.
std::string client_error(http_parse_error error) {
  switch (error) {
    case http_parse_error::header_too_large:
      return "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n";
    case http_parse_error::payload_too_large:
      return "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n";
    case http_parse_error::bad_request:
      break;
  }
  return "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
}

constexpr std::string_view request_timed_out =
    "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

class connection_base {
 public:
  virtual ~connection_base() = default;
  virtual void drop() = 0;
};

// What the endpoint and its connections share; connections may outlive the endpoint.
struct http_context {
  http_endpoint::request_handler handler;
  std::deque<std::weak_ptr<connection_base>> hanging;

  void add_hanging(std::weak_ptr<connection_base> con) {
    hanging.push_back(std::move(con));
    if (hanging.size() <= max_hanging_connections) return;
    if (const auto oldest = hanging.front().lock()) oldest->drop();
    hanging.pop_front();
  }
};

template <class Stream>
class http_connection final : public connection_base,
                              public std::enable_shared_from_this<http_connection<Stream>> {
 public:
  http_connection(Stream stream, std::string ip, std::shared_ptr<http_context> context)
      : stream_(std::move(stream)),
        ip_(std::move(ip)),
        context_(std::move(context)),
        deadline_(stream_.get_executor()),
        idle_(stream_.get_executor()) {}

  void start() {
    arm_deadline(headers_timeout);
    if constexpr (is_tls) {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](const std::error_code& ec) {
                                if (ec) {
                                  self->close_now();
                                } else {
                                  self->read();
                                }
                              });
    } else {
      read();
    }
  }

  void drop() override { close_now(); }

 private:
  static constexpr bool is_tls = !std::is_same_v<Stream, asio::ip::tcp::socket>;

  void read() {
    if (closed_ || reading_ || close_when_flushed_) return;
    if (!answering_ && held_bytes_ >= max_held_bytes) return;
    reading_ = true;
    stream_.async_read_some(asio::buffer(buffer_), [self = this->shared_from_this()](
                                                       const std::error_code& ec, std::size_t n) {
      self->on_read(ec, n);
    });
  }

  void on_read(const std::error_code& ec, std::size_t n) {
    reading_ = false;
    if (closed_ || close_when_flushed_) return;
    if (ec) {
      on_end(ec);
      return;
    }
    if (idle_armed_) arm_idle();  // the keep-alive timeout counts inactivity
    if (parser_.idle()) arm_deadline(headers_timeout);
    parser_.feed(std::string_view(buffer_.data(), n));
    process();
    flush();
    read();
  }

  // The client finished sending (or the connection broke). Node answers a request cut short
  // with a 400 and, as its server does not allow half-open sockets, then ends its side.
  void on_end(const std::error_code& ec) {
    if (ec != asio::error::eof && ec != asio::ssl::error::stream_truncated) {
      close_now();
      return;
    }
    if (!parser_.idle() && !parser_.failed())
      pending_ += client_error(http_parse_error::bad_request);
    close_when_flushed_ = true;
    answering_ = true;
    flush();
  }

  // Runs every request that arrived. Like Node, which answers after parsing what it read, a
  // request that cannot be parsed pre-empts the answers to those before it in the same read.
  void process() {
    std::string answers;
    for (;;) {
      const auto event = parser_.next();
      if (std::holds_alternative<http_request_parser::need_more>(event)) break;
      if (const auto* error = std::get_if<http_parse_error>(&event)) {
        spdlog::debug("http: {} sent a request that cannot be parsed", ip_);
        pending_ += client_error(*error);
        close_when_flushed_ = true;
        answering_ = true;
        return;
      }
      const auto& head = parser_.head();
      if (std::holds_alternative<http_request_parser::headers_done>(event)) {
        if (!on_headers(head, answers)) break;
        continue;
      }
      deadline_.cancel();
      if (head.keep_alive && !parser_.idle()) arm_deadline(headers_timeout);  // pipelined
      if (answered_) {
        answered_ = false;
      } else if (head.method == "POST") {
        const auto body = parser_.take_body();
        if (auto reply = context_->handler(ip_, body)) {
          answer(answers, rpc_response(head, *reply));
        } else {
          hang();
        }
      } else {
        spdlog::debug("http: {} from {} left unanswered", head.method, ip_);
        hang();
      }
      if (!keeps_alive(head)) {
        if (answering_) close_when_flushed_ = true;
        // Only bytes that belong to no request can follow one that closes the connection.
        if (!head.keep_alive) continue;
        break;
      }
    }
    pending_ += answers;
  }

  // False when nothing more is read from this connection.
  bool on_headers(const http_request_head& head, std::string& answers) {
    idle_.cancel();
    idle_armed_ = false;
    arm_deadline(request_timeout);
    if (head.method == "CONNECT") {  // Node has no 'connect' listener: it destroys the socket
      close_now();
      return false;
    }
    if (head.is_http11() && !head.has_host) {
      // Node answers without emitting the request; behind a hanging one it goes on parsing.
      answer(answers, missing_host());
      answered_ = true;
      if (!answering_) return true;
      close_when_flushed_ = true;
      return false;
    }
    if (head.expect_other) {
      answer(answers, expectation_failed(head));
      answered_ = true;
    } else if (head.expect_continue) {
      answer(answers, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    return true;
  }

  // Behind a request left hanging nothing is ever sent: answers are held, and counted.
  void answer(std::string& answers, std::string bytes) {
    if (answering_) {
      answers += bytes;
    } else {
      held_bytes_ += bytes.size();
    }
  }

  void hang() {
    if (!answering_) return;
    answering_ = false;
    deadline_.cancel();
    idle_.cancel();
    idle_armed_ = false;
    context_->add_hanging(this->weak_from_this());
  }

  void flush() {
    if (closed_ || writing_) return;
    if (pending_.empty()) {
      if (close_when_flushed_ && answering_) {
        close_gracefully();
      } else if (answering_ && parser_.awaiting_headers()) {
        arm_idle();
      }
      return;
    }
    writing_ = true;
    in_flight_ = std::move(pending_);
    pending_.clear();
    asio::async_write(stream_, asio::buffer(in_flight_),
                      [self = this->shared_from_this()](const std::error_code& ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) {
                          self->close_now();
                          return;
                        }
                        self->flush();
                        self->read();
                      });
  }

  void arm_idle() {
    idle_armed_ = true;
    idle_.expires_after(keep_alive_idle);
    idle_.async_wait([weak = this->weak_from_this()](const std::error_code& ec) {
      const auto self = weak.lock();
      if (ec || !self) return;
      spdlog::debug("http: idle keep-alive connection from {} closed", self->ip_);
      self->close_now();
    });
  }

  void arm_deadline(std::chrono::seconds after) {
    deadline_.expires_after(after);
    deadline_.async_wait([weak = this->weak_from_this()](const std::error_code& ec) {
      const auto self = weak.lock();
      if (ec || !self || self->closed_) return;
      self->pending_ += request_timed_out;
      self->close_when_flushed_ = true;
      self->answering_ = true;
      self->flush();
    });
  }

  // Node's destroySoon(): end our side once everything is written, then let go.
  void close_gracefully() {
    if (closed_) return;
    if constexpr (is_tls) {
      deadline_.expires_after(tls_shutdown_grace);
      deadline_.async_wait([weak = this->weak_from_this()](const std::error_code& ec) {
        if (const auto self = weak.lock(); self && !ec) self->close_now();
      });
      stream_.async_shutdown(
          [self = this->shared_from_this()](const std::error_code&) { self->close_now(); });
    } else {
      std::error_code ignored;
      stream_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      close_now();
    }
  }

  void close_now() {
    if (closed_) return;
    closed_ = true;
    deadline_.cancel();
    idle_.cancel();
    std::error_code ignored;
    stream_.lowest_layer().close(ignored);
  }

  Stream stream_;
  std::string ip_;
  std::shared_ptr<http_context> context_;
  asio::steady_timer deadline_;  // headers and request timeouts, the TLS shutdown
  asio::steady_timer idle_;      // keep-alive
  http_request_parser parser_{max_message_size};
  std::array<char, 16 * 1024> buffer_{};
  std::string pending_;    // to write after what is in flight
  std::string in_flight_;  // being written
  std::size_t held_bytes_ = 0;
  bool answering_ = true;  // false once a request hangs
  bool answered_ = false;  // the current request was answered from its headers (417)
  bool reading_ = false;
  bool writing_ = false;
  bool idle_armed_ = false;
  bool close_when_flushed_ = false;
  bool closed_ = false;
};

class http_front final : public http_endpoint {
 public:
  http_front(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls, request_handler handler)
      : tls_(std::move(tls)),
        acceptor_(io),
        context_(std::make_shared<http_context>(http_context{std::move(handler), {}})) {}

  std::error_code listen(const asio::ip::tcp::endpoint& at) override {
    std::error_code ec;
    acceptor_.open(at.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(at, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return ec;
    const auto local = acceptor_.local_endpoint(ec);
    port_ = ec ? 0 : local.port();
    accept();
    return {};
  }

  std::uint16_t port() const override { return port_; }

  void stop_listening() override {
    std::error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  void accept() {
    acceptor_.async_accept([this](const std::error_code& ec, asio::ip::tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) start_connection(std::move(socket));
      accept();
    });
  }

  void start_connection(asio::ip::tcp::socket socket) {
    std::error_code ec;
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return;
    auto ip = remote.address().to_string();
    if (tls_) {
      using tls_stream = asio::ssl::stream<asio::ip::tcp::socket>;
      std::make_shared<http_connection<tls_stream>>(tls_stream(std::move(socket), *tls_),
                                                    std::move(ip), context_)
          ->start();
    } else {
      std::make_shared<http_connection<asio::ip::tcp::socket>>(std::move(socket), std::move(ip),
                                                               context_)
          ->start();
    }
  }

  std::shared_ptr<asio::ssl::context> tls_;
  asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<http_context> context_;
  std::uint16_t port_ = 0;
};

}  // namespace

std::unique_ptr<http_endpoint> make_http_endpoint(asio::io_context& io,
                                                  std::shared_ptr<asio::ssl::context> tls,
                                                  http_endpoint::request_handler handler) {
  return std::make_unique<http_front>(io, std::move(tls), std::move(handler));
}

}  // namespace wss_hub
