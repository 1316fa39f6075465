#include "tests/support/http_test_client.hpp"

#include <algorithm>
#include <array>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>
#include <cctype>

#include "daemon/link/http_post.hpp"

namespace wssd::test {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string render(const http_request& r) {
  return r.method + " " + r.target + " HTTP/1.1\r\nHost: " + r.host + ":" + std::to_string(r.port) +
         "\r\nContent-Type: " + r.content_type +
         "\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
}

// A complete response in `raw`, or nullopt while more is needed: wssd's own parser.
std::optional<http_reply> parse_reply(const std::string& raw, bool at_eof) {
  auto parsed = parse_http_response(raw, at_eof);
  if (!parsed || !parsed->complete) return std::nullopt;
  return http_reply{parsed->status, std::move(parsed->headers), std::move(parsed->body)};
}

// Writes the request and reads until a complete answer; the caller bounds it in time.
template <class Stream>
class exchange {
 public:
  exchange(Stream& stream, std::string request) : stream_(stream), request_(std::move(request)) {}

  void start() {
    asio::async_write(stream_, asio::buffer(request_), [this](std::error_code ec, std::size_t) {
      if (!ec) read();
    });
  }

  std::optional<http_reply> reply() const { return reply_; }

 private:
  void read() {
    stream_.async_read_some(asio::buffer(buffer_), [this](std::error_code ec, std::size_t n) {
      raw_.append(buffer_.data(), n);
      reply_ = parse_reply(raw_, static_cast<bool>(ec));
      if (!reply_ && !ec) read();
    });
  }

  Stream& stream_;
  std::string request_;
  std::array<char, 4096> buffer_{};
  std::string raw_;
  std::optional<http_reply> reply_;
};

template <class Stream, class Start>
std::optional<http_reply> run(asio::io_context& io, Stream& stream, const http_request& request,
                              std::chrono::milliseconds timeout, Start start) {
  exchange<Stream> ex(stream, render(request));
  std::error_code ec;
  const asio::ip::tcp::endpoint at(asio::ip::make_address(request.host, ec), request.port);
  if (ec) return std::nullopt;
  stream.lowest_layer().async_connect(at, [&](std::error_code ec) {
    if (!ec) start(ex);
  });
  io.run_for(timeout);
  return ex.reply();
}

}  // namespace

std::string http_reply::header(const std::string& name) const {
  const auto wanted = lower(name) + ":";
  std::size_t pos = 0;
  while (pos < headers.size()) {
    const auto end = headers.find("\r\n", pos);
    const auto line = headers.substr(pos, end - pos);
    if (lower(line.substr(0, wanted.size())) == wanted) {
      const auto value = line.substr(wanted.size());
      return value.substr(std::min(value.find_first_not_of(' '), value.size()));
    }
    if (end == std::string::npos) break;
    pos = end + 2;
  }
  return {};
}

std::optional<http_reply> send_http(const http_request& request,
                                    std::chrono::milliseconds timeout) {
  asio::io_context io;
  if (!request.tls) {
    asio::ip::tcp::socket socket(io);
    return run(io, socket, request, timeout, [](auto& ex) { ex.start(); });
  }
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, context);
  return run(io, stream, request, timeout, [&stream](auto& ex) {
    stream.async_handshake(asio::ssl::stream_base::client, [&ex](std::error_code ec) {
      if (!ec) ex.start();
    });
  });
}

}  // namespace wssd::test
