// One blocking HTTP(S) request for tests, bounded by a timeout: some servers of this protocol
// never answer (an HTTP GET hangs on the reference server).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "tests/support/ws_test_client.hpp"

namespace wssd::test {

struct http_request {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  bool tls = false;  // https, without certificate verification
  std::string method = "POST";
  std::string target = "/";
  std::string content_type = "application/json";
  std::string body;
};

struct http_reply {
  int status = 0;
  std::string headers;  // the raw header block, status line excluded
  std::string body;

  // The value of a header (case-insensitive name), or empty.
  std::string header(const std::string& name) const;
};

// nullopt when no complete answer arrived within `timeout`.
std::optional<http_reply> send_http(const http_request& request,
                                    std::chrono::milliseconds timeout = default_timeout);

}  // namespace wssd::test
