#include "tests/integration/hub/raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace wssd::test {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Bytes of a chunked body starting at `at`: the body and where it ends, or nullopt while
// incomplete.
std::optional<std::pair<std::string, std::size_t>> dechunk(const std::string& in, std::size_t at) {
  std::string body;
  for (;;) {
    const auto eol = in.find("\r\n", at);
    if (eol == std::string::npos) return std::nullopt;
    const auto size = std::strtoul(in.substr(at, eol - at).c_str(), nullptr, 16);
    at = eol + 2;
    if (size == 0) {
      const auto end = in.find("\r\n", at);  // no trailers from the hub
      if (end == std::string::npos) return std::nullopt;
      return std::make_pair(body, end + 2);
    }
    if (in.size() < at + size + 2) return std::nullopt;
    body.append(in, at, size);
    at += size + 2;
  }
}

}  // namespace

std::optional<std::string> raw_http_response::header(std::string_view name) const {
  const auto wanted = lower(name) + ":";
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    const auto start = pos + 2;
    const auto end = head.find("\r\n", start);
    const auto line = head.substr(start, end - start);
    if (lower(line.substr(0, wanted.size())) == wanted) {
      const auto value = line.substr(wanted.size());
      return value.substr(std::min(value.find_first_not_of(' '), value.size()));
    }
    pos = end;
  }
  return std::nullopt;
}

bool raw_http::open(std::uint16_t port) {
  fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return fd_ && ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

bool raw_http::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void raw_http::shut_write() {
  ::shutdown(fd_.get(), SHUT_WR);
}

raw_http::status raw_http::fill(deadline until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  pollfd p{fd_.get(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count()))) <= 0) {
    return status::timeout;
  }
  char chunk[65536];
  const auto n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
  if (n <= 0) return status::eof;
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return status::ok;
}

std::optional<raw_http_response> raw_http::read_response(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  bool at_eof = false;
  for (;;) {
    const auto head_end = buffer_.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      raw_http_response r;
      r.head = buffer_.substr(0, head_end);
      if (r.head.compare(0, 5, "HTTP/") != 0 || r.head.size() < 12) return std::nullopt;
      r.status = std::atoi(r.head.c_str() + 9);
      const auto body_at = head_end + 4;
      if (const auto length = r.header("Content-Length")) {
        const auto n = std::strtoul(length->c_str(), nullptr, 10);
        if (buffer_.size() >= body_at + n) {
          r.body = buffer_.substr(body_at, n);
          buffer_.erase(0, body_at + n);
          return r;
        }
      } else if (lower(r.header("Transfer-Encoding").value_or("")) == "chunked") {
        if (const auto chunked = dechunk(buffer_, body_at)) {
          r.body = chunked->first;
          buffer_.erase(0, chunked->second);
          return r;
        }
      } else if (r.status == 100) {
        buffer_.erase(0, body_at);
        return r;
      } else if (at_eof) {  // the body ends with the connection
        r.body = buffer_.substr(body_at);
        buffer_.clear();
        return r;
      }
    }
    if (at_eof) return std::nullopt;
    const auto s = fill(until);
    if (s == status::timeout) return std::nullopt;
    at_eof = s == status::eof;
  }
}

raw_http::status raw_http::wait_closed(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto s = fill(until);
    if (s != status::ok) return s;
  }
}

std::string http_post(std::string_view body, std::string_view extra, std::string_view version) {
  return "POST / " + std::string(version) + "\r\nHost: 127.0.0.1\r\n" + std::string(extra) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string http_post_chunked(std::string_view body, std::size_t chunk, std::string_view extra) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra) +
                    "Transfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    const auto piece = body.substr(at, chunk);
    std::string size;
    for (auto n = piece.size(); n > 0; n /= 16) size.insert(size.begin(), hex[n % 16]);
    out += size + "\r\n" + std::string(piece) + "\r\n";
  }
  return out + "0\r\n\r\n";
}

}  // namespace wssd::test
