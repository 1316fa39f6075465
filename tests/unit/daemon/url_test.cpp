#include "daemon/config/url.hpp"

#include <gtest/gtest.h>

namespace wssd {
namespace {

url parsed_url(std::string_view text) {
  auto u = parse_url(text);
  if (!u) {
    ADD_FAILURE() << text << ": " << u.error().what;
    return {};
  }
  return *u;
}

std::string error_of(std::string_view text) {
  const auto u = parse_url(text);
  if (u) {
    ADD_FAILURE() << "accepted: " << text;
    return {};
  }
  return u.error().what;
}

TEST(url, ws_defaults_to_port_80_and_root_target) {
  const auto u = parsed_url("ws://example.org");
  EXPECT_EQ(u.scheme, "ws");
  EXPECT_EQ(u.host, "example.org");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.target, "/");
  EXPECT_FALSE(u.secure());
}

TEST(url, wss_defaults_to_port_443_and_is_secure) {
  const auto u = parsed_url("wss://example.org/");
  EXPECT_EQ(u.scheme, "wss");
  EXPECT_EQ(u.port, 443);
  EXPECT_TRUE(u.secure());
}

TEST(url, http_defaults_to_port_80) {
  const auto u = parsed_url("http://example.org/rpc");
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.target, "/rpc");
  EXPECT_FALSE(u.secure());
}

TEST(url, https_defaults_to_port_443_and_is_secure) {
  const auto u = parsed_url("https://example.org");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.port, 443);
  EXPECT_TRUE(u.secure());
}

TEST(url, scheme_is_lower_cased) {
  const auto u = parsed_url("WSS://Example.org:8443/");
  EXPECT_EQ(u.scheme, "wss");
  EXPECT_EQ(u.port, 8443);
  EXPECT_TRUE(u.secure());
}

TEST(url, explicit_port) {
  const auto u = parsed_url("ws://127.0.0.1:8090/");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8090);
  EXPECT_EQ(u.target, "/");
}

TEST(url, highest_port) {
  EXPECT_EQ(parsed_url("ws://h:65535").port, 65535);
}

TEST(url, ipv6_host_loses_its_brackets) {
  const auto u = parsed_url("ws://[::1]:8080/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.target, "/x");
}

TEST(url, ipv6_host_without_port) {
  const auto u = parsed_url("wss://[fe80::1]");
  EXPECT_EQ(u.host, "fe80::1");
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.target, "/");
}

TEST(url, path_and_query_are_kept) {
  const auto u = parsed_url("ws://h:1/a/b?c=d&e=f");
  EXPECT_EQ(u.host, "h");
  EXPECT_EQ(u.port, 1);
  EXPECT_EQ(u.target, "/a/b?c=d&e=f");
}

TEST(url, query_without_path_gets_a_slash) {
  const auto u = parsed_url("ws://h?x=1");
  EXPECT_EQ(u.host, "h");
  EXPECT_EQ(u.target, "/?x=1");
}

TEST(url, fragment_is_not_part_of_the_target) {
  EXPECT_EQ(parsed_url("ws://h/p?q=1#frag").target, "/p?q=1");
}

TEST(url, no_scheme) {
  EXPECT_EQ(error_of("example.org:80/"), "not a URL (no scheme://)");
}

TEST(url, unsupported_scheme) {
  EXPECT_EQ(error_of("ftp://example.org/"), "unsupported scheme \"ftp\"");
}

TEST(url, bad_ports) {
  EXPECT_EQ(error_of("ws://h:http/"), "bad port \"http\"");
  EXPECT_EQ(error_of("ws://h:0/"), "bad port \"0\"");
  EXPECT_EQ(error_of("ws://h:65536/"), "bad port \"65536\"");
  EXPECT_EQ(error_of("ws://h:-1/"), "bad port \"-1\"");
  EXPECT_EQ(error_of("ws://h:80x/"), "bad port \"80x\"");
}

TEST(url, empty_port_means_the_default) {
  EXPECT_EQ(parsed_url("ws://h:/").port, 80);
}

TEST(url, empty_host) {
  EXPECT_EQ(error_of("ws:///path"), "no host");
  EXPECT_EQ(error_of("ws://:8080/"), "no host");
  EXPECT_EQ(error_of("ws://[]:8080/"), "no host");
}

TEST(url, user_info_is_rejected) {
  EXPECT_EQ(error_of("ws://user:pw@h/"), "user info in URLs is not supported");
}

TEST(url, broken_ipv6) {
  EXPECT_EQ(error_of("ws://[::1/"), "unterminated IPv6 address");
  EXPECT_EQ(error_of("ws://[::1]x/"), "junk after IPv6 address");
}

}  // namespace
}  // namespace wssd
