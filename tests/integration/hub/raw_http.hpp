// A bare HTTP/1.x client over a POSIX socket, for what the one-shot client will not do: keep
// a connection alive across requests, pipeline, send chunked or broken requests, and see
// exactly what comes back before the TCP end. Every wait is bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/common/unique_fd.hpp"

namespace wssd::test {

struct raw_http_response {
  int status = 0;
  std::string head;  // status line and headers, up to the blank line
  std::string body;  // de-chunked

  // The value of a header (case-insensitive name), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

class raw_http {
 public:
  enum class status { ok, timeout, eof };

  // TCP connect to 127.0.0.1:port.
  bool open(std::uint16_t port);
  bool send(std::string_view bytes);
  // Half-closes: the server sees the end of the request stream.
  void shut_write();
  // The next complete response; nullopt on timeout, EOF or bytes that are not a response.
  std::optional<raw_http_response> read_response(std::chrono::milliseconds timeout);
  // Waits for the server to close; status::ok is never returned. Bytes that arrive on the
  // way are kept in rest().
  status wait_closed(std::chrono::milliseconds timeout);
  const std::string& rest() const { return buffer_; }

 private:
  using deadline = std::chrono::steady_clock::time_point;
  status fill(deadline until);

  unique_fd fd_;
  std::string buffer_;
};

// POST / on 127.0.0.1 with a Host header; `extra` are more header lines, each ending CRLF.
std::string http_post(std::string_view body, std::string_view extra = {},
                      std::string_view version = "HTTP/1.1");
// The same body in chunks of `chunk` bytes.
std::string http_post_chunked(std::string_view body, std::size_t chunk,
                              std::string_view extra = {});

}  // namespace wssd::test
