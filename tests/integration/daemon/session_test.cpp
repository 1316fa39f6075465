// wssd's session engine against the real wss-hub on loopback: identity, peers, reconnects,
// dead links, TLS, the HTTP handshake and the server's connection limit.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <regex>
#include <set>

#include "tests/support/daemon_process.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/test_cert.hpp"
#include "tests/support/test_peer.hpp"

namespace wssd::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

bool is_private_id(const std::string& s) {
  return std::regex_match(s, std::regex("[0-9a-f]{64}"));
}

auto push_of(const std::string& type) {
  return [type](const json::object& p) { return p.at("type") == json::value(type); };
}

// Events as a subscribed client sees them, one at a time.
class event_reader {
 public:
  explicit event_reader(const daemon_process& d, json::array types = {}) : client_(d.connect()) {
    auto r = client_.call("subscribe", {{"types", std::move(types)}}, 5s);
    EXPECT_TRUE(r && *r);
  }
  std::optional<json::object> next_of(const std::string& type,
                                      std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto e = client_.next_event(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!e || !*e) return std::nullopt;
      if ((**e).at("type") == json::value(type)) return **e;
    }
    return std::nullopt;
  }

 private:
  client client_;
};

class session_test : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(hub_.start()); }

  hub_process hub_;
  temp_dir dir_;
};

TEST_F(session_test, connects_and_shows_up_at_the_other_peers) {
  test_peer peer;
  ASSERT_TRUE(peer.join(hub_.ws_url())) << peer.last_error();
  daemon_process wssd(dir_, hub_.ws_url());
  ASSERT_TRUE(wssd.wait_state("online")) << wssd.log();

  const auto pid = wssd.private_id();
  EXPECT_TRUE(is_private_id(pid)) << pid;
  auto joined = peer.wait_push(push_of("session"));
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->at("connect"), json::value(pid));
  EXPECT_EQ(joined->at("options").at("wss"), json::value(true));
  EXPECT_EQ(wssd.status().at("peers"), json::value(1));
}

TEST_F(session_test, tracks_peers_joining_changing_id_and_leaving) {
  daemon_process wssd(dir_, hub_.ws_url());
  ASSERT_TRUE(wssd.wait_state("online")) << wssd.log();
  event_reader events(wssd);

  test_peer peer;
  ASSERT_TRUE(peer.join(hub_.ws_url(), {{"wss", true}, {"role", "dealer"}}));
  auto joined = events.next_of("peer_connect");
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->at("private_id"), json::value(peer.private_id()));
  EXPECT_EQ(joined->at("options").at("role"), json::value("dealer"));

  const auto old_id = peer.private_id();
  ASSERT_TRUE(peer.set_private_id("dealer-1"));
  auto changed = events.next_of("peer_private_id");
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->at("old"), json::value(old_id));
  EXPECT_EQ(changed->at("new"), json::value("dealer-1"));

  auto c = wssd.connect();
  auto peers = c.call("peers", {}, 5s);
  ASSERT_TRUE(peers && *peers);
  ASSERT_EQ((**peers).as_array().size(), 1u);
  EXPECT_EQ((**peers).as_array()[0].at("private_id"), json::value("dealer-1"));
  EXPECT_EQ((**peers).as_array()[0].at("options").at("role"), json::value("dealer"));

  ASSERT_TRUE(peer.ws().close());
  auto left = events.next_of("peer_disconnect");
  ASSERT_TRUE(left);
  EXPECT_EQ(left->at("private_id"), json::value("dealer-1"));
  EXPECT_EQ(wssd.status().at("peers"), json::value(0));
}

TEST_F(session_test, comes_back_under_the_same_private_id_after_the_hub_restarts) {
  daemon_process wssd(dir_, hub_.ws_url());
  ASSERT_TRUE(wssd.wait_state("online")) << wssd.log();
  const auto pid = wssd.private_id();

  ASSERT_TRUE(hub_.restart());
  test_peer peer;
  ASSERT_TRUE(peer.join(hub_.ws_url()));
  ASSERT_TRUE(eventually([&] {
    return wssd.private_id() == pid && wssd.status().at("state") == "online";
  })) << wssd.log();

  // The peer sees wssd arrive under a fresh id and then take its old one back, unless wssd was
  // already back when the peer joined.
  bool seen = false;
  for (const auto& p : peer.connect_result().at("connect").as_array())
    seen |= p == json::value(pid);
  if (!seen) {
    auto change = peer.wait_push([&](const json::object& p) {
      return p.contains("change") && p.at("change").at("newPrivateID") == json::value(pid);
    });
    seen = change.has_value();
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(wssd.status().at("reconnects"), json::value(1));
}

TEST_F(session_test, keeps_its_private_id_across_a_daemon_restart) {
  std::string pid;
  {
    daemon_process first(dir_, hub_.ws_url());
    ASSERT_TRUE(first.wait_state("online"));
    pid = first.private_id();
    EXPECT_EQ(first.stop(), 0);
  }
  EXPECT_EQ(read_file(dir_ / "state/private_id"), pid + "\n");
  daemon_process second(dir_, hub_.ws_url());
  ASSERT_TRUE(eventually([&] { return second.private_id() == pid; })) << second.log();
}

TEST_F(session_test, a_hub_that_stops_answering_pings_is_found_dead_and_left) {
  daemon_process wssd(dir_, hub_.ws_url(), {{"ping_interval", 1}, {"ping_timeout", 1}});
  ASSERT_TRUE(wssd.wait_state("online"));
  ASSERT_TRUE(hub_.pause());
  EXPECT_TRUE(eventually([&] {
    return wssd.log().find("no pong from the server") != std::string::npos;
  })) << wssd.log();
  EXPECT_NE(wssd.status().at("state"), json::value("online"));
  ASSERT_TRUE(hub_.resume());
  EXPECT_TRUE(wssd.wait_state("online")) << wssd.log();
}

TEST_F(session_test, handshakes_over_http_post_when_asked_to) {
  hub_config with_http;
  with_http.http = true;
  hub_process hub(with_http);
  ASSERT_TRUE(hub.start());
  test_peer peer;
  ASSERT_TRUE(peer.join(hub.ws_url()));
  daemon_process wssd(dir_, hub.ws_url(), {{"handshake_url", hub.http_url()}});
  ASSERT_TRUE(wssd.wait_state("online")) << wssd.log();
  auto joined = peer.wait_push(push_of("session"));
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->at("connect"), json::value(wssd.private_id()));
}

TEST_F(session_test, backs_off_long_when_the_server_has_too_many_connections) {
  hub_config one_slot;
  one_slot.extra_args = {"--max-per-ip", "1"};
  hub_process hub(one_slot);
  ASSERT_TRUE(hub.start());
  test_peer squatter;  // takes the only slot of 127.0.0.1
  ASSERT_TRUE(squatter.join(hub.ws_url()));
  daemon_process wssd(dir_, hub.ws_url(), {{"backoff", {{"too_many_connections", 30}}}});
  ASSERT_TRUE(eventually([&] {
    return wssd.log().find("Too many connections") != std::string::npos;
  })) << wssd.log();
  ASSERT_TRUE(wssd.wait_state("backoff"));
  std::smatch m;
  const auto log = wssd.log();
  ASSERT_TRUE(std::regex_search(log, m, std::regex("next attempt in ([0-9.]+) s")));
  EXPECT_GE(std::stod(m[1]), 30.0);
}

TEST_F(session_test, a_graceful_stop_tells_the_peers_at_once) {
  test_peer peer;
  ASSERT_TRUE(peer.join(hub_.ws_url()));
  daemon_process wssd(dir_, hub_.ws_url());
  ASSERT_TRUE(wssd.wait_state("online"));
  const auto pid = wssd.private_id();
  ASSERT_TRUE(peer.wait_push(push_of("session")));
  EXPECT_EQ(wssd.stop(), 0);
  auto left = peer.wait_push([](const json::object& p) { return p.contains("disconnect"); }, 3s);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->at("disconnect"), json::value(pid));
}

TEST_F(session_test, reconnect_on_request_keeps_the_identity) {
  daemon_process wssd(dir_, hub_.ws_url());
  ASSERT_TRUE(wssd.wait_state("online"));
  const auto pid = wssd.private_id();
  auto r = run_wssctl(wssd.socket(), {"reconnect"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(eventually([&] { return wssd.status().at("reconnects") == json::value(1); }))
      << wssd.log();
  EXPECT_TRUE(wssd.wait_state("online"));
  EXPECT_EQ(wssd.private_id(), pid);
}

TEST_F(session_test, tokens_never_reach_the_log) {
  // Tokens and private ids are all 64 hex characters: every such string in a debug log must
  // be a private id, never a user or server token.
  test_peer peer;
  ASSERT_TRUE(peer.join(hub_.ws_url()));
  daemon_process wssd(dir_, hub_.ws_url());
  ASSERT_TRUE(wssd.wait_state("online"));
  ASSERT_TRUE(hub_.restart());  // a reconnect, a setPID, another handshake
  ASSERT_TRUE(eventually([&] { return wssd.status().at("reconnects") == json::value(1); }));
  const auto ids = std::set<std::string>{wssd.private_id(), peer.private_id()};
  const auto log = wssd.log();
  const std::regex hex64("[0-9a-f]{64}");
  std::size_t seen = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), hex64), end; it != end; ++it) {
    ++seen;
    EXPECT_TRUE(ids.count(it->str())) << it->str() << " in the log is not a private id";
  }
  EXPECT_GT(seen, 0u);  // the log does name private ids: the check above ran
}

class tls_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = make_self_signed_cert(certs_.path());
    ASSERT_TRUE(server);
    cert_ = *server;
    auto other = make_self_signed_cert(other_.path());
    ASSERT_TRUE(other);
    other_cert_ = other->cert_file;
    hub_config tls;
    tls.cert_file = cert_.cert_file;
    tls.key_file = cert_.key_file;
    hub_ = std::make_unique<hub_process>(tls);
    ASSERT_TRUE(hub_->start());
  }

  // wss://localhost:PORT/, so the certificate's host name matches.
  std::string url() const { return "wss://localhost:" + std::to_string(hub_->ws_port()) + "/"; }

  temp_dir certs_, other_, dir_;
  test_cert cert_;
  std::string other_cert_;
  std::unique_ptr<hub_process> hub_;
};

TEST_F(tls_test, connects_when_the_server_certificate_verifies) {
  daemon_process wssd(dir_, url(), {{"tls", {{"ca_file", cert_.cert_file}}}});
  EXPECT_TRUE(wssd.wait_state("online")) << wssd.log();
}

TEST_F(tls_test, refuses_a_server_whose_certificate_does_not_verify) {
  daemon_process wssd(dir_, url(), {{"tls", {{"ca_file", other_cert_}}}});
  ASSERT_TRUE(eventually([&] { return wssd.log().find("backoff") != std::string::npos; }))
      << wssd.log();
  EXPECT_NE(wssd.log().find("certificate verify failed"), std::string::npos) << wssd.log();
  EXPECT_FALSE(wssd.wait_state("online", 2s));
}

TEST_F(tls_test, refuses_a_certificate_for_another_host_name) {
  // The certificate names localhost, 127.0.0.1 and ::1; this hub listens on 127.0.0.2.
  hub_config elsewhere;
  elsewhere.bind = "127.0.0.2";
  elsewhere.cert_file = cert_.cert_file;
  elsewhere.key_file = cert_.key_file;
  hub_process hub(elsewhere);
  ASSERT_TRUE(hub.start());
  daemon_process wssd(dir_, hub.ws_url(), {{"tls", {{"ca_file", cert_.cert_file}}}});
  EXPECT_TRUE(eventually([&] {
    return wssd.log().find("certificate is not for 127.0.0.2") != std::string::npos;
  })) << wssd.log();
  EXPECT_FALSE(wssd.wait_state("online", 1s));
}

TEST_F(tls_test, insecure_mode_connects_and_warns) {
  daemon_process wssd(dir_, url(), {{"tls", {{"insecure", true}}}});
  EXPECT_TRUE(wssd.wait_state("online")) << wssd.log();
  EXPECT_NE(wssd.log().find("TLS verification is OFF"), std::string::npos);
}

TEST(config_test, a_bad_config_file_is_refused_naming_each_key) {
  temp_dir dir;
  std::ofstream(dir / "bad.conf") << R"({ // comment
    "server": "ws://127.0.0.1:1/", "ping_interval": "soon", "tls": {"ca_fil": "x"} })";
  child_process p(
      {{WSSD_PATH, "--config", dir / "bad.conf", "--check-config"}, {}, dir / "out", dir / "err"});
  EXPECT_EQ(p.wait(10s), 1);
  const auto err = read_file(dir / "err");
  EXPECT_NE(err.find("ping_interval: expected a number of seconds, got a string"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("tls.ca_fil: unknown key"), std::string::npos) << err;
}

TEST(config_test, a_good_config_file_passes_the_check) {
  temp_dir dir;
  std::ofstream(dir / "good.conf") << R"({ "server": "wss://wss.example.org/", /* c */ })";
  child_process p(
      {{WSSD_PATH, "--config", dir / "good.conf", "--check-config"}, {}, dir / "out", dir / "err"});
  EXPECT_EQ(p.wait(10s), 0);
  EXPECT_NE(read_file(dir / "out").find("configuration OK"), std::string::npos);
}

}  // namespace
}  // namespace wssd::test
