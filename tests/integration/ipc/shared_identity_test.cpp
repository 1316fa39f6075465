// Every local process uses the ONE identity wssd holds: they all see the same events (same
// seq), and what any of them sends goes out under wssd's private id. Through the socket and
// through wssctl.
#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

using shared_identity_test = gateway_test;

const json::object only_messages{{"types", json::array{"message"}}};

TEST_F(shared_identity_test, every_subscriber_gets_a_peers_message_under_the_same_seq) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  subscriber first(wssd(), only_messages);
  subscriber second(wssd(), only_messages);
  ASSERT_EQ(first.seq(), second.seq());

  const json::value data{{"card", "7h"}};
  ASSERT_TRUE(peer->send_direct(wssd().private_id(), data));
  const auto a = first.next();
  const auto b = second.next();
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(is_message(*a, "direct", peer->private_id(), data)) << json::serialize(*a);
  EXPECT_TRUE(is_message(*b, "direct", peer->private_id(), data)) << json::serialize(*b);
  EXPECT_EQ(a->at("seq"), json::value(first.seq() + 1));
  EXPECT_EQ(b->at("seq"), a->at("seq"));
}

TEST_F(shared_identity_test, what_different_clients_send_leaves_under_wssds_private_id) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto own_id = wssd().private_id();
  auto one = wssd().connect();
  auto two = wssd().connect();

  EXPECT_EQ(result_of(one, "send",
                      {{"to", json::array{json::value(peer->private_id())}}, {"data", "from one"}}),
            (json::value{{"message", "ok"}}));
  const auto direct = wait_message(*peer, "direct", "from one");
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->at("from"), json::value(own_id));

  EXPECT_EQ(result_of(two, "broadcast", {{"data", {{"from", "two"}}}}),
            (json::value{{"message", "ok"}}));
  const auto broadcast = wait_message(*peer, "broadcast", {{"from", "two"}});
  ASSERT_TRUE(broadcast);
  EXPECT_EQ(broadcast->at("from"), json::value(own_id));
}

TEST_F(shared_identity_test, wssctl_processes_share_the_identity_too) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto own_id = wssd().private_id();
  // --since 0 replays the ring: nothing is missed however late a monitor subscribes.
  monitor_process first(wssd().socket(), {"--since", "0"});
  monitor_process second(wssd().socket(), {"--since", "0"});

  const json::value data{{"bet", 20}};
  ASSERT_TRUE(peer->send_direct(own_id, data));
  auto from_peer = [&](const json::object& e) {
    return is_message(e, "direct", peer->private_id(), data);
  };
  const auto a = first.wait_for(from_peer);
  const auto b = second.wait_for(from_peer);
  ASSERT_TRUE(a) << first.errors();
  ASSERT_TRUE(b) << second.errors();
  EXPECT_EQ(a->at("seq"), b->at("seq"));

  // DATA that is not JSON goes as a string, JSON as what it says.
  auto sent = run_wssctl(wssd().socket(), {"send", peer->private_id(), "--", "hello world"});
  EXPECT_EQ(sent.exit_code, 0) << sent.err;
  const auto direct = wait_message(*peer, "direct", "hello world");
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->at("from"), json::value(own_id));

  auto broadcast = run_wssctl(wssd().socket(), {"broadcast", R"({"pot":[1,2]})"});
  EXPECT_EQ(broadcast.exit_code, 0) << broadcast.err;
  const auto everyone = wait_message(*peer, "broadcast", {{"pot", {1, 2}}});
  ASSERT_TRUE(everyone);
  EXPECT_EQ(everyone->at("from"), json::value(own_id));

  auto status = run_wssctl(wssd().socket(), {"--json", "status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const auto lines = json_lines(status.out);
  ASSERT_EQ(lines.size(), 1u) << status.out;
  EXPECT_EQ(lines[0].at("state"), "online");
  EXPECT_EQ(lines[0].at("private_id"), json::value(own_id));
}

}  // namespace
}  // namespace wssd::test
