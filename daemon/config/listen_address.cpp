#include "daemon/config/listen_address.hpp"

#include <asio/ip/address.hpp>
#include <charconv>

namespace wssd {

namespace {

constexpr std::size_t max_unix_path = 107;  // sun_path holds 108 bytes with its NUL

proto::failure bad(std::string_view text, const std::string& why) {
  return proto::failure{"\"" + std::string(text) + "\": " + why};
}

}  // namespace

proto::parsed<listen_address> parse_listen_address(std::string_view text) {
  if (!text.empty() && text.front() == '/') {
    if (text.size() > max_unix_path) return bad(text, "a Unix socket path is at most 107 bytes");
    return listen_address(unix_listen_address{std::string(text)});
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return bad(text, "expected HOST:PORT (127.0.0.1:9488, [::1]:9488) or an absolute path");
  }
  auto host = text.substr(0, colon);
  const auto port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad(text, "an IPv6 address goes in brackets: [::1]:9488");
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return bad(text, "the port must be a number from 1 to 65535");
  }
  const std::string ip = host == "localhost" ? "127.0.0.1" : std::string(host);
  asio::error_code parse_ec;
  const auto address = asio::ip::make_address(ip, parse_ec);
  if (parse_ec) return bad(text, "\"" + std::string(host) + "\" is not an IP address");
  if (!address.is_loopback()) {
    return bad(text, std::string(host) +
                         " is not a loopback address: /metrics has no authentication, so wssd "
                         "serves it on 127.0.0.1, ::1 or a Unix socket only");
  }
  return listen_address(tcp_listen_address{ip, static_cast<std::uint16_t>(port)});
}

}  // namespace wssd
