#include "daemon/config/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace wssd {

namespace {

std::uint16_t default_port(std::string_view scheme) {
  return (scheme == "wss" || scheme == "https") ? 443 : 80;
}

}  // namespace

proto::parsed<url> parse_url(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos)
    return proto::failure{std::string("not a URL (no scheme://)")};
  url u;
  u.scheme = std::string(text.substr(0, scheme_end));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (u.scheme != "ws" && u.scheme != "wss" && u.scheme != "http" && u.scheme != "https") {
    return proto::failure{"unsupported scheme \"" + u.scheme + "\""};
  }
  auto rest = text.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, authority_end);
  // A fragment belongs to the client; it is never sent to a server.
  auto target =
      authority_end == std::string_view::npos ? std::string_view("/") : rest.substr(authority_end);
  u.target = std::string(target.substr(0, target.find('#')));
  if (u.target.empty()) u.target = "/";
  if (u.target.front() != '/') u.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos)
    return proto::failure{std::string("user info in URLs is not supported")};

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      return proto::failure{std::string("unterminated IPv6 address")};
    u.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return proto::failure{std::string("junk after IPv6 address")};
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return proto::failure{std::string("no host")};
  u.port = default_port(u.scheme);
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return proto::failure{"bad port \"" + std::string(port_text) + "\""};
    }
    u.port = static_cast<std::uint16_t>(value);
  }
  return u;
}

}  // namespace wssd
