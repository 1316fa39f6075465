#include "daemon/link/http_post.hpp"

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/ssl/error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <charconv>
#include <memory>
#include <optional>

#include "daemon/common/version.hpp"
#include "daemon/link/tls_context.hpp"

namespace wssd {

namespace {

constexpr std::size_t max_response = 1024 * 1024;

bool iequals_prefix(std::string_view line, std::string_view prefix) {
  if (line.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != prefix[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Decodes a chunked body; complete is false until the last chunk arrived, and a body cut off
// by the end of the stream is an error.
proto::parsed<http_response_view> decode_chunked(std::string_view data, http_response_view r,
                                                 bool at_eof) {
  const auto incomplete = [&]() -> proto::parsed<http_response_view> {
    if (at_eof) return proto::failure{"truncated HTTP answer"};
    return r;
  };
  while (true) {
    const auto line_end = data.find("\r\n");
    if (line_end == std::string_view::npos) return incomplete();
    std::size_t size = 0;
    const auto size_text = data.substr(0, line_end);
    auto [end, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || end == size_text.data())
      return proto::failure{std::string("bad chunk size in HTTP answer")};
    data.remove_prefix(line_end + 2);
    if (size == 0) {
      r.complete = true;
      return r;
    }
    if (data.size() < size + 2) return incomplete();
    r.body.append(data.substr(0, size));
    data.remove_prefix(size + 2);
  }
}

class post_operation : public std::enable_shared_from_this<post_operation> {
 public:
  post_operation(asio::io_context& io, url target, std::string request, const tls_options& tls,
                 http_callback done)
      : target_(std::move(target)),
        request_(std::move(request)),
        resolver_(io),
        timer_(io),
        why_refused_(std::make_shared<std::string>()),
        tls_context_(make_tls_context(tls, target_.host, why_refused_)),
        stream_(io, *tls_context_),
        done_(std::move(done)) {}

  void start(seconds timeout) {
    timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout));
    timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (!ec) self->fail("timed out");
    });
    resolver_.async_resolve(target_.host, std::to_string(target_.port),
                            [self = shared_from_this()](const asio::error_code& ec, auto results) {
                              if (ec) return self->fail("cannot resolve host: " + ec.message());
                              self->connect(results);
                            });
  }

 private:
  void connect(const asio::ip::tcp::resolver::results_type& results) {
    asio::async_connect(stream_.lowest_layer(), results,
                        [self = shared_from_this()](const asio::error_code& ec, const auto&) {
                          if (ec) return self->fail("cannot connect: " + ec.message());
                          self->secure();
                        });
  }

  void secure() {
    if (!target_.secure()) return write();
    SSL_set_tlsext_host_name(stream_.native_handle(), target_.host.c_str());
    stream_.async_handshake(
        asio::ssl::stream_base::client, [self = shared_from_this()](const asio::error_code& ec) {
          if (ec) {
            const auto& why = *self->why_refused_;
            return self->fail("TLS handshake failed: " + (why.empty() ? ec.message() : why));
          }
          self->write();
        });
  }

  void write() {
    auto on_written = [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
      if (ec) return self->fail("cannot send request: " + ec.message());
      self->read();
    };
    if (target_.secure()) {
      asio::async_write(stream_, asio::buffer(request_), on_written);
    } else {
      asio::async_write(stream_.next_layer(), asio::buffer(request_), on_written);
    }
  }

  void read() {
    auto on_read = [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
      self->received(ec, n);
    };
    if (target_.secure()) {
      stream_.async_read_some(asio::buffer(chunk_), on_read);
    } else {
      stream_.next_layer().async_read_some(asio::buffer(chunk_), on_read);
    }
  }

  void received(const asio::error_code& ec, std::size_t n) {
    if (!done_) return;
    response_.append(chunk_.data(), n);
    const bool at_eof = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
    if (ec && !at_eof) return fail("cannot read answer: " + ec.message());
    auto parsed = parse_http_response(response_, at_eof);
    if (!parsed) return fail(parsed.error().what);
    if (parsed->complete) {
      if (parsed->status < 200 || parsed->status > 299) {
        return fail("HTTP status " + std::to_string(parsed->status));
      }
      return finish(std::move(parsed->body));
    }
    if (at_eof) return fail("connection closed before the answer was complete");
    if (response_.size() > max_response) return fail("answer larger than 1 MiB");
    read();
  }

  void fail(std::string why) { finish(proto::parsed<std::string>(std::move(why))); }

  void finish(proto::parsed<std::string> outcome) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    timer_.cancel();
    resolver_.cancel();
    asio::error_code ignored;
    stream_.lowest_layer().close(ignored);
    done(std::move(outcome));
  }

  url target_;
  std::string request_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer timer_;
  std::shared_ptr<std::string> why_refused_;
  std::shared_ptr<asio::ssl::context> tls_context_;
  asio::ssl::stream<asio::ip::tcp::socket> stream_;
  std::array<char, 16 * 1024> chunk_{};
  std::string response_;
  http_callback done_;
};

std::string host_header(const url& u) {
  const bool ipv6 = u.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + u.host + "]" : u.host;
  const bool default_port = u.port == (u.secure() ? 443 : 80);
  return default_port ? host : host + ":" + std::to_string(u.port);
}

}  // namespace

proto::parsed<http_response_view> parse_http_response(std::string_view raw, bool at_eof) {
  http_response_view r;
  const auto header_end = raw.find("\r\n\r\n");
  if (header_end == std::string_view::npos) {
    if (at_eof) return proto::failure{std::string("truncated HTTP answer")};
    return r;
  }
  auto headers = raw.substr(0, header_end);
  const auto status_end = headers.find("\r\n");
  const auto status_line = headers.substr(0, status_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
    return proto::failure{std::string("not an HTTP/1.x answer")};
  }
  auto code = status_line.substr(9, 3);
  const auto [code_end, code_ec] = std::from_chars(code.data(), code.data() + 3, r.status);
  if (code_ec != std::errc() || code_end != code.data() + 3) {
    return proto::failure{std::string("bad HTTP status line")};
  }
  if (status_end != std::string_view::npos) r.headers = std::string(headers.substr(status_end + 2));
  std::optional<std::size_t> content_length;
  bool chunked = false;
  std::size_t pos = status_end;
  while (pos != std::string_view::npos && pos < headers.size()) {
    const auto next = headers.find("\r\n", pos + 2);
    const auto line = headers.substr(
        pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
    if (iequals_prefix(line, "content-length:")) {
      auto value = trim(line.substr(15));
      std::size_t n = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), n).ec != std::errc()) {
        return proto::failure{std::string("bad Content-Length")};
      }
      content_length = n;
    } else if (iequals_prefix(line, "transfer-encoding:")) {
      chunked = trim(line.substr(18)).find("chunked") != std::string_view::npos;
    }
    pos = next;
  }
  const auto body = raw.substr(header_end + 4);
  if (chunked) return decode_chunked(body, std::move(r), at_eof);
  if (content_length) {
    if (body.size() < *content_length) {
      if (at_eof) return proto::failure{std::string("truncated HTTP answer")};
      return r;
    }
    r.body = std::string(body.substr(0, *content_length));
    r.complete = true;
    return r;
  }
  r.body = std::string(body);
  r.complete = at_eof;
  return r;
}

void http_post(asio::io_context& io, const url& target, std::string content_type, std::string body,
               const tls_options& tls, seconds timeout, http_callback done) {
  std::string request = "POST " + target.target + " HTTP/1.1\r\nHost: " + host_header(target) +
                        "\r\nUser-Agent: wssd/" WSSD_VERSION "\r\nContent-Type: " + content_type +
                        "\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\nConnection: close\r\n\r\n" + body;
  std::make_shared<post_operation>(io, target, std::move(request), tls, std::move(done))
      ->start(timeout);
}

}  // namespace wssd
