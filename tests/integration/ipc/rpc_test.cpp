// `rpc` passes any other server method through: wssd adds its tokens, uses its own ids on the
// wire and routes each answer back to the client that asked, under that client's id.
#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

using rpc_test = gateway_test;

TEST_F(rpc_test, two_clients_using_the_same_id_each_get_their_own_answer) {
  ASSERT_TRUE(start_wssd());
  auto a = raw_socket::connect(wssd().socket());
  auto b = raw_socket::connect(wssd().socket());
  ASSERT_TRUE(a && b);
  // Both requests are on their way before either answer can arrive.
  ASSERT_TRUE(a->send(
      request_line(7, "rpc", {{"method", "WSS_Session"}, {"params", {{"action", "getPID"}}}})));
  ASSERT_TRUE(b->send(request_line(7, "rpc", {{"method", "No_Such_Method"}})));

  const auto to_a = read_object(*a);
  const auto to_b = read_object(*b);
  ASSERT_TRUE(to_a && to_b);
  EXPECT_EQ(*to_a,
            (json::object{
                {"jsonrpc", "2.0"}, {"result", {{"privateID", wssd().private_id()}}}, {"id", 7}}));
  EXPECT_EQ(to_b->at("id"), 7);
  EXPECT_EQ(
      error_in(*to_b),
      (json::object{{"code", -32601}, {"message", "Method \"No_Such_Method\" does not exist."}}))
      << json::serialize(*to_b);
}

TEST_F(rpc_test, the_identitys_own_handshake_and_connect_are_refused) {
  ASSERT_TRUE(start_wssd());
  auto c = wssd().connect();
  for (const std::string method : {"WSS_Connect", "WSS_Handshake"}) {
    const auto a = call(c, "rpc", {{"method", method}, {"params", json::object{}}});
    ASSERT_FALSE(a) << method;
    EXPECT_EQ(a.error().code, -32602) << method;
    EXPECT_EQ(a.error().message, method + " is wssd's own business");
  }
  EXPECT_EQ(wssd().status().at("reconnects"), 0);  // the session was left alone
}

TEST_F(rpc_test, rpc_fails_at_once_while_offline) {
  ASSERT_TRUE(start_wssd());
  ASSERT_TRUE(hub_.stop());
  ASSERT_TRUE(eventually([&] { return wssd().status().at("state") != "online"; }));
  auto c = wssd().connect();
  const auto a = call(c, "rpc", {{"method", "WSS_Session"}, {"params", {{"action", "getPID"}}}});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, -32010);
}

// setPID changes the identity everyone shares: through rpc it goes the way of set_private_id,
// so status, the state file and the event follow; the answer keeps the server's shape.
TEST_F(rpc_test, set_pid_through_rpc_changes_the_identity_wssd_keeps) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  subscriber watcher(wssd(), {{"types", json::array{"private_id"}}});
  auto c = wssd().connect();
  const auto a = call(c, "rpc",
                      {{"method", "WSS_Session"},
                       {"params", {{"action", "setPID"}, {"privateID", "taken-by-rpc"}}}});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(*a, (json::value{{"privateID", "taken-by-rpc"}}));
  EXPECT_EQ(wssd().private_id(), "taken-by-rpc");
  const auto e = watcher.next_of("private_id");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("private_id"), "taken-by-rpc");
  EXPECT_EQ(read_file(wssd().state_dir() + "/private_id"), "taken-by-rpc\n");
  // The server routes to the new id, and the peer sees it change.
  EXPECT_TRUE(peer->wait_push([](const json::object& p) { return p.contains("change"); }));
}

}  // namespace
}  // namespace wssd::test
