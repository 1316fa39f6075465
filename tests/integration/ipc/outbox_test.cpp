// Nothing accepted is lost: while wssd is offline, send waits in the outbox and goes out once
// the session is back; past the outbox TTL it fails with -32011.
#include <signal.h>

#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

using outbox_test = gateway_test;

bool offline(const daemon_process& d) {
  const auto s = d.status();
  return s.contains("state") && s.at("state") != "online";
}

TEST_F(outbox_test, a_send_while_offline_waits_and_goes_out_when_the_hub_is_back) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto peer_id = peer->private_id();
  const auto own_id = wssd().private_id();
  auto sender = raw_socket::connect(wssd().socket());
  ASSERT_TRUE(sender);

  ASSERT_TRUE(hub_.stop());
  ASSERT_TRUE(eventually([&] { return offline(wssd()); }));
  ASSERT_TRUE(sender->send(request_line(
      1, "send", {{"to", json::array{json::value(peer_id)}}, {"data", "while offline"}})));
  std::string line;
  EXPECT_EQ(sender->read_line(line, 1s), raw_socket::status::timeout) << line;
  EXPECT_EQ(wssd().status().at("queue").at("depth"), 1);

  // wssd is held still until the peer is back under its old id, so the message cannot go out
  // before its recipient is there.
  wssd().process().signal(SIGSTOP);
  ASSERT_TRUE(hub_.start());
  test_peer back;
  ASSERT_TRUE(back.join(hub_.ws_url())) << back.last_error();
  ASSERT_TRUE(back.set_private_id(peer_id));
  wssd().process().signal(SIGCONT);

  const auto answer = read_object(*sender);
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer,
            (json::object{{"jsonrpc", "2.0"}, {"result", {{"message", "ok"}}}, {"id", 1}}));
  const auto received = wait_message(back, "direct", "while offline");
  ASSERT_TRUE(received);
  EXPECT_EQ(received->at("from"), json::value(own_id));
  EXPECT_EQ(wssd().status().at("queue").at("depth"), 0);
}

TEST_F(outbox_test, a_send_that_waits_longer_than_the_ttl_fails_with_expired) {
  ASSERT_TRUE(start_wssd({{"outbox", {{"ttl", 1}}}}));
  ASSERT_TRUE(hub_.stop());
  ASSERT_TRUE(eventually([&] { return offline(wssd()); }));
  auto c = wssd().connect();

  const auto started = std::chrono::steady_clock::now();
  const auto a = call(c, "send", {{"to", json::array{"somebody"}}, {"data", "too late"}});
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, -32011);
  EXPECT_NE(a.error().message.find("TTL of 1 s"), std::string::npos) << a.error().message;
  EXPECT_GE(waited, 900ms);
  EXPECT_EQ(wssd().status().at("counters").at("expired"), 1);
}

}  // namespace
}  // namespace wssd::test
