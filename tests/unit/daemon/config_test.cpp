#include "daemon/config/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace wssd {
namespace {

namespace json = boost::json;

std::string error_of(std::string_view text) {
  const auto c = parse_config(text);
  if (c) {
    ADD_FAILURE() << "accepted: " << text;
    return {};
  }
  return c.error().what;
}

config valid_config() {
  config c;
  c.server = "ws://127.0.0.1:8080/";
  c.bus = "none";
  return c;
}

TEST(config, full_file_with_comments_and_trailing_commas) {
  const auto c = parse_config(R"(
    // The server.
    {
      "server": "wss://hub.example:8443/wss", /* inline */
      "handshake_url": "https://hub.example:8443/",
      "private_id": "mine",
      "options": {"webrtc": true, "name": "box",},
      "tls": {"ca_file": "/etc/ca.pem", "insecure": false},
      "connect_timeout": 5,
      "request_timeout": 12.5,
      "ping_interval": 15,
      "ping_timeout": 4,
      "backoff": {"base": 0.25, "cap": 60, "reset_after": 45, "too_many_connections": 300},
      "state_dir": "/var/lib/x",
      "bus": "session",
      "log_level": "debug",
      "ipc": {
        "socket": "/run/x.sock",
        "group": "wheel",
        "max_line": 2048,
        "max_clients": 7,
        "client_queue": 8192,
        "client_queue_hard": 16384,
        "access": {"read": ["alice", "1000"], "send": ["bob"],},
      },
      "outbox": {"ttl": 90, "max_messages": 5, "max_bytes": 4096},
      "event_ring": 100,
    })");
  ASSERT_TRUE(c.has_value()) << c.error().what;
  EXPECT_EQ(c->server, "wss://hub.example:8443/wss");
  EXPECT_EQ(c->handshake_url, "https://hub.example:8443/");
  EXPECT_EQ(c->private_id, "mine");
  EXPECT_EQ(c->options,
            json::parse(R"({"wss":true,"webrtc":true,"ortc":false,"name":"box"})").as_object());
  EXPECT_EQ(c->tls.ca_file, "/etc/ca.pem");
  EXPECT_FALSE(c->tls.insecure);
  EXPECT_EQ(c->connect_timeout, seconds(5));
  EXPECT_EQ(c->request_timeout, seconds(12.5));
  EXPECT_EQ(c->ping_interval, seconds(15));
  EXPECT_EQ(c->ping_timeout, seconds(4));
  EXPECT_EQ(c->backoff.base, seconds(0.25));
  EXPECT_EQ(c->backoff.cap, seconds(60));
  EXPECT_EQ(c->backoff.reset_after, seconds(45));
  EXPECT_EQ(c->backoff.too_many_connections, seconds(300));
  EXPECT_EQ(c->state_dir, "/var/lib/x");
  EXPECT_EQ(c->bus, "session");
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->ipc.socket, "/run/x.sock");
  EXPECT_EQ(c->ipc.group, "wheel");
  EXPECT_EQ(c->ipc.max_line, 2048u);
  EXPECT_EQ(c->ipc.max_clients, 7u);
  EXPECT_EQ(c->ipc.client_queue, 8192u);
  EXPECT_EQ(c->ipc.client_queue_hard, 16384u);
  EXPECT_EQ(c->ipc.access.read, (std::vector<std::string>{"alice", "1000"}));
  EXPECT_EQ(c->ipc.access.send, (std::vector<std::string>{"bob"}));
  EXPECT_EQ(c->outbox.ttl, seconds(90));
  EXPECT_EQ(c->outbox.max_messages, 5u);
  EXPECT_EQ(c->outbox.max_bytes, 4096u);
  EXPECT_EQ(c->event_ring, 100u);
}

TEST(config, empty_object_keeps_the_defaults) {
  const auto c = parse_config("{}");
  ASSERT_TRUE(c.has_value()) << c.error().what;
  EXPECT_EQ(c->server, "");
  EXPECT_EQ(c->log_level, "info");
  EXPECT_EQ(c->backoff.base, seconds(0.5));
  EXPECT_EQ(c->backoff.cap, seconds(30));
  EXPECT_EQ(c->options, json::parse(R"({"wss":true,"webrtc":false,"ortc":false})").as_object());
}

TEST(config, keys_absent_from_the_file_keep_the_base_values) {
  config base;
  base.server = "ws://base/";
  base.ipc.access.read = {"x"};
  const auto c = parse_config(R"({"log_level":"warn"})", base);
  ASSERT_TRUE(c.has_value()) << c.error().what;
  EXPECT_EQ(c->server, "ws://base/");
  EXPECT_EQ(c->ipc.access.read, (std::vector<std::string>{"x"}));
  EXPECT_EQ(c->log_level, "warn");
}

TEST(config, a_list_in_the_file_replaces_the_base_list) {
  config base;
  base.ipc.access.send = {"old"};
  const auto c = parse_config(R"({"ipc":{"access":{"send":["new"]}}})", base);
  ASSERT_TRUE(c.has_value()) << c.error().what;
  EXPECT_EQ(c->ipc.access.send, (std::vector<std::string>{"new"}));
}

TEST(config, wrong_type_names_the_nested_key) {
  EXPECT_EQ(error_of(R"({"tls":{"ca_file":5}})"), "tls.ca_file: expected a string, got a number");
}

TEST(config, wrong_boolean_names_the_key) {
  EXPECT_EQ(error_of(R"({"tls":{"insecure":"yes"}})"),
            "tls.insecure: expected true or false, got a string");
}

TEST(config, duration_out_of_range) {
  EXPECT_EQ(error_of(R"({"backoff":{"base":0}})"),
            "backoff.base: must be between 0.01 and 3600 seconds");
  EXPECT_EQ(error_of(R"({"ping_interval":3601})"),
            "ping_interval: must be between 0.1 and 3600 seconds");
}

TEST(config, duration_of_the_wrong_type) {
  EXPECT_EQ(error_of(R"({"connect_timeout":"10s"})"),
            "connect_timeout: expected a number of seconds, got a string");
}

TEST(config, count_out_of_range) {
  EXPECT_EQ(error_of(R"({"ipc":{"max_line":10}})"),
            "ipc.max_line: must be between 1024 and 268435456");
  EXPECT_EQ(error_of(R"({"event_ring":0})"), "event_ring: must be between 16 and 10000000");
}

TEST(config, count_must_be_a_whole_non_negative_number) {
  EXPECT_EQ(error_of(R"({"outbox":{"max_messages":-5}})"),
            "outbox.max_messages: expected a whole number, got -5");
  EXPECT_EQ(error_of(R"({"outbox":{"max_messages":1.5}})"),
            "outbox.max_messages: expected a whole number, got 1.5");
  EXPECT_EQ(error_of(R"({"outbox":{"max_messages":"5"}})"),
            "outbox.max_messages: expected a whole number, got a string");
}

TEST(config, list_item_of_the_wrong_type_names_its_index) {
  EXPECT_EQ(error_of(R"({"ipc":{"access":{"read":["alice",1]}}})"),
            "ipc.access.read[1]: expected a string, got a number");
}

TEST(config, list_of_the_wrong_type) {
  EXPECT_EQ(error_of(R"({"ipc":{"access":{"send":"bob"}}})"),
            "ipc.access.send: expected an array of strings, got a string");
}

TEST(config, unknown_top_level_key) {
  EXPECT_EQ(error_of(R"({"nope":1})"), "nope: unknown key");
}

TEST(config, unknown_nested_key) {
  EXPECT_EQ(error_of(R"({"tls":{"nope":1}})"), "tls.nope: unknown key");
  EXPECT_EQ(error_of(R"({"ipc":{"access":{"write":[]}}})"), "ipc.access.write: unknown key");
}

TEST(config, section_that_is_not_an_object) {
  EXPECT_EQ(error_of(R"({"tls":true})"), "tls: expected an object, got a boolean");
  EXPECT_EQ(error_of(R"({"options":[]})"), "options: expected an object");
}

TEST(config, every_error_is_reported_in_document_order) {
  EXPECT_EQ(error_of(R"({"nope":1,"tls":{"ca_file":5},"backoff":{"cap":0},"server":false})"),
            "nope: unknown key\n"
            "tls.ca_file: expected a string, got a number\n"
            "backoff.cap: must be between 0.01 and 86400 seconds\n"
            "server: expected a string, got a boolean");
}

TEST(config, top_level_must_be_an_object) {
  EXPECT_EQ(error_of("[]"), "(top level): expected an object, got an array");
  EXPECT_EQ(error_of(R"("ws://x/")"), "(top level): expected an object, got a string");
}

TEST(config, invalid_json) {
  const auto what = error_of(R"({"server": )");
  EXPECT_EQ(what.rfind("not valid JSON: ", 0), 0u) << what;
}

TEST(config, load_config_file_prefixes_each_error_with_the_path) {
  char path[] = "/tmp/wssd-config-test-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << R"({"a":1,"b":2})";
  const auto c = load_config_file(path);
  std::remove(path);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().what, std::string(path) + ": a: unknown key\n" + path + ": b: unknown key");
}

TEST(config, load_config_file_reports_a_missing_file) {
  const auto c = load_config_file("/nonexistent/wssd.conf");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().what, "cannot read /nonexistent/wssd.conf: No such file or directory");
}

TEST(config_validate, a_complete_config_is_valid) {
  EXPECT_EQ(validate(valid_config()), std::vector<std::string>{});
}

TEST(config_validate, missing_server) {
  auto c = valid_config();
  c.server.clear();
  EXPECT_EQ(validate(c),
            std::vector<std::string>{
                "server: not set (use --server ws://HOST:PORT/ or \"server\" in the config)"});
}

TEST(config_validate, http_server_is_rejected) {
  auto c = valid_config();
  c.server = "http://127.0.0.1:8080/";
  EXPECT_EQ(validate(c), std::vector<std::string>{"server: must be a ws:// or wss:// URL"});
}

TEST(config_validate, malformed_server_says_why) {
  auto c = valid_config();
  c.server = "127.0.0.1:8080";
  EXPECT_EQ(validate(c), std::vector<std::string>{"server: not a URL (no scheme://)"});
}

TEST(config_validate, handshake_url_must_be_http) {
  auto c = valid_config();
  c.handshake_url = "wss://127.0.0.1/";
  EXPECT_EQ(validate(c),
            std::vector<std::string>{"handshake_url: must be an http:// or https:// URL"});
  c.handshake_url = "https://127.0.0.1/";
  EXPECT_EQ(validate(c), std::vector<std::string>{});
}

TEST(config_validate, bad_bus) {
  auto c = valid_config();
  c.bus = "dbus";
  EXPECT_EQ(validate(c),
            std::vector<std::string>{"bus: must be system, session or none, not \"dbus\""});
}

TEST(config_validate, bad_log_level) {
  auto c = valid_config();
  c.log_level = "loud";
  EXPECT_EQ(validate(c),
            std::vector<std::string>{
                "log_level: must be one of trace, debug, info, warn, error, critical, off"});
}

TEST(config_validate, backoff_cap_below_base) {
  auto c = valid_config();
  c.backoff.base = seconds(10);
  c.backoff.cap = seconds(5);
  EXPECT_EQ(validate(c), std::vector<std::string>{"backoff.cap: must not be below backoff.base"});
}

TEST(config_validate, client_queue_hard_below_client_queue) {
  auto c = valid_config();
  c.ipc.client_queue_hard = c.ipc.client_queue - 1;
  EXPECT_EQ(validate(c),
            std::vector<std::string>{"ipc.client_queue_hard: must not be below ipc.client_queue"});
}

TEST(config_validate, insecure_with_ca_file) {
  auto c = valid_config();
  c.tls.ca_file = "/etc/ca.pem";
  c.tls.insecure = true;
  EXPECT_EQ(validate(c),
            std::vector<std::string>{"tls.insecure: contradicts tls.ca_file; choose one"});
}

TEST(config_validate, reports_every_problem) {
  config c;
  c.bus = "none";
  c.log_level = "loud";
  EXPECT_EQ(validate(c).size(), 2u);
}

}  // namespace
}  // namespace wssd

namespace wssd {
namespace {

TEST(config, socket_mode_as_octal_text_or_number) {
  const auto text = parse_config(R"({"ipc": {"mode": "0640"}})");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->ipc.mode, 0640u);
  const auto number = parse_config(R"({"ipc": {"mode": 438}})");
  ASSERT_TRUE(number);
  EXPECT_EQ(number->ipc.mode, 0666u);
}

TEST(config, socket_mode_must_be_a_permission_mode) {
  for (const auto* bad : {R"({"ipc": {"mode": "0999"}})", R"({"ipc": {"mode": "rw"}})",
                          R"({"ipc": {"mode": 4096}})", R"({"ipc": {"mode": -1}})"}) {
    EXPECT_EQ(error_of(bad), "ipc.mode: expected a mode such as \"0660\"") << bad;
  }
}

}  // namespace
}  // namespace wssd

namespace wssd {
namespace {

std::vector<std::string> errors_with_metrics(const std::string& listen) {
  auto c = valid_config();
  c.metrics.listen = listen;
  return validate(c);
}

TEST(config, metrics_listen_takes_loopback_tcp_and_unix_paths) {
  for (const auto* ok : {"127.0.0.1:9488", "[::1]:9488", "localhost:9488", "127.0.0.2:1",
                         "/run/wssd/metrics.sock", ""}) {
    EXPECT_TRUE(errors_with_metrics(ok).empty()) << ok;
  }
  EXPECT_FALSE(applies_on_reload("metrics.listen"));
}

TEST(config, metrics_listen_refuses_what_is_not_loopback_and_says_why) {
  const auto errors = errors_with_metrics("0.0.0.0:9488");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("metrics.listen: \"0.0.0.0:9488\": 0.0.0.0 is not a loopback address"),
            std::string::npos)
      << errors[0];
  for (const auto* bad :
       {"192.168.1.1:9488", "[::]:9488", "[2001:db8::1]:80", "::1:9488", "127.0.0.1", "127.0.0.1:0",
        "127.0.0.1:65536", "127.0.0.1:http", "example.org:9488", "metrics.sock"}) {
    const auto e = errors_with_metrics(bad);
    ASSERT_EQ(e.size(), 1u) << bad;
    EXPECT_EQ(e[0].rfind("metrics.listen: ", 0), 0u) << e[0];
  }
}

}  // namespace
}  // namespace wssd
