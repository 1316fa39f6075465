#include "ipc/http/metrics_listener.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/write.hpp>

#include "daemon/service/metrics.hpp"
#include "ipc/http/request_head.hpp"

namespace wssd {

namespace {

struct response {
  std::string_view status;  // "200 OK"
  std::string_view content_type;
  std::string body;
  std::string_view allow;  // for 405
};

std::string serialize(const response& r, bool with_body) {
  std::string out =
      "HTTP/1.1 " + std::string(r.status) + "\r\nContent-Type: " + std::string(r.content_type) +
      "\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\nConnection: close\r\n";
  if (!r.allow.empty()) out += "Allow: " + std::string(r.allow) + "\r\n";
  out += "\r\n";
  if (with_body) out += r.body;
  return out;
}

constexpr std::string_view text_plain = "text/plain; charset=utf-8";

}  // namespace

class metrics_listener::connection : public std::enable_shared_from_this<connection> {
 public:
  connection(protocol::socket s, producer metrics, const limits& l,
             std::shared_ptr<std::size_t> open)
      : socket_(std::move(s)),
        deadline_(socket_.get_executor()),
        metrics_(std::move(metrics)),
        limits_(l),
        open_(std::move(open)) {
    ++*open_;
  }
  ~connection() { --*open_; }

  void start() {
    asio::error_code ec;
    socket_.non_blocking(true, ec);
    if (ec) return close();
    deadline_.expires_after(limits_.deadline);
    deadline_.async_wait([self = shared_from_this()](const asio::error_code& timer_ec) {
      if (!timer_ec) self->close();  // a slow or silent client gets nothing
    });
    read();
  }

  void close() {
    asio::error_code ignored;
    deadline_.cancel();
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](
                                                      const asio::error_code& ec, std::size_t n) {
      if (ec) return self->close();
      self->received_.append(self->chunk_.data(), n);
      const auto head = http::scan_request_head(self->received_, self->limits_.max_head);
      if (head.status == http::head_status::incomplete) return self->read();
      self->respond(head);
    });
  }

  void respond(const http::request_head& head) {
    received_.clear();
    received_.shrink_to_fit();
    bool with_body = true;
    response r{"200 OK", text_plain, "", ""};
    if (head.status == http::head_status::too_large) {
      r = {"431 Request Header Fields Too Large", text_plain, "request head too large\n", ""};
    } else if (head.status == http::head_status::malformed) {
      r = {"400 Bad Request", text_plain, "bad request\n", ""};
    } else if (head.path != "/metrics") {
      r = {"404 Not Found", text_plain, "not found: wssd serves /metrics only\n", ""};
    } else if (head.method != "GET" && head.method != "HEAD") {
      r = {"405 Method Not Allowed", text_plain, "method not allowed\n", "GET, HEAD"};
    } else {
      r = {"200 OK", metrics_content_type, metrics_(), ""};
      with_body = head.method == "GET";
    }
    out_ = serialize(r, with_body);
    asio::async_write(
        socket_, asio::buffer(out_),
        [self = shared_from_this()](const asio::error_code&, std::size_t) { self->close(); });
  }

  protocol::socket socket_;
  asio::steady_timer deadline_;
  producer metrics_;
  limits limits_;
  std::shared_ptr<std::size_t> open_;
  std::array<char, 4096> chunk_{};
  std::string received_;  // at most max_head plus one chunk
  std::string out_;
};

metrics_listener::metrics_listener(asio::io_context& io, producer metrics, limits l)
    : acceptor_(io), retry_(io), metrics_(std::move(metrics)), limits_(l) {}

proto::parsed<std::unique_ptr<metrics_listener>> metrics_listener::open(asio::io_context& io,
                                                                        const listen_address& where,
                                                                        producer metrics,
                                                                        limits l) {
  std::unique_ptr<metrics_listener> listener(new metrics_listener(io, std::move(metrics), l));
  if (auto bound = listener->bind(where); !bound) return bound.error();
  listener->accepting_ = true;
  listener->accept();
  return listener;
}

proto::parsed<bool> metrics_listener::bind(const listen_address& where) {
  protocol::endpoint endpoint;
  if (const auto* tcp = std::get_if<tcp_listen_address>(&where)) {
    asio::error_code parse_ec;
    const auto ip = asio::ip::make_address(tcp->ip, parse_ec);
    if (parse_ec) return proto::failure{"metrics.listen: " + tcp->ip + ": " + parse_ec.message()};
    endpoint = asio::ip::tcp::endpoint(ip, tcp->port);
    name_ = (ip.is_v6() ? "[" + tcp->ip + "]" : tcp->ip) + ":" + std::to_string(tcp->port);
  } else {
    const auto& path = std::get<unix_listen_address>(where).path;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        return proto::failure{"metrics.listen: " + path + " exists and is not a socket"};
      }
      ::unlink(path.c_str());  // a socket left by an earlier daemon
    }
    endpoint = asio::local::stream_protocol::endpoint(path);
    name_ = unix_path_ = path;
  }
  asio::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec && std::holds_alternative<tcp_listen_address>(where)) {
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) acceptor_.non_blocking(true, ec);
  if (ec) return proto::failure{"metrics.listen: cannot listen on " + name_ + ": " + ec.message()};
  return true;
}

metrics_listener::~metrics_listener() {
  stop();
  if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
}

void metrics_listener::stop() {
  accepting_ = false;
  retry_.cancel();
  asio::error_code ignored;
  acceptor_.close(ignored);
  for (auto& weak : std::exchange(connections_, {})) {
    if (auto c = weak.lock()) c->close();
  }
}

// Accept errors (EMFILE) are retried after a pause, never in a loop.
void metrics_listener::accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, protocol::socket s) {
    if (!accepting_) return;
    if (ec) {
      spdlog::warn("metrics listener {}: accept failed: {}", name_, ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](const asio::error_code& timer_ec) {
        if (!timer_ec && accepting_) accept();
      });
      return;
    }
    if (*open_ >= limits_.max_connections) {
      asio::error_code ignored;
      s.close(ignored);  // the scraper retries at its next interval
    } else {
      auto c = std::make_shared<connection>(std::move(s), metrics_, limits_, open_);
      connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                        [](const auto& w) { return w.expired(); }),
                         connections_.end());
      connections_.push_back(c);
      c->start();
    }
    accept();
  });
}

}  // namespace wssd
