// Nesting: Boost.JSON's default depth of 32 would lose what peers send and what the server
// relays (a little over 4 000 levels). Every parser of wssd takes 5 000; deeper is refused by
// name, never taken for something else.
#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

using json_depth_test = gateway_test;

std::string nested(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

json::value parse_deep(const std::string& text) {
  json::parse_options options;
  options.max_depth = 100000;
  return json::parse(text, {}, options);
}

TEST_F(json_depth_test, a_peers_deeply_nested_message_reaches_subscribers_whole) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  subscriber listener(wssd(), {{"types", json::array{"message"}}});
  for (const int depth : {30, 31, 33, 60, 4000}) {
    SCOPED_TRACE(depth);
    const auto data = parse_deep(nested(depth));
    ASSERT_TRUE(peer->send_direct(wssd().private_id(), data));
    const auto e = listener.next();
    ASSERT_TRUE(e) << "the message never came:\n" << wssd().log();
    EXPECT_EQ(e->at("data"), data);
  }
  EXPECT_EQ(wssd().status().at("counters").at("bad_frames"), 0);
}

TEST_F(json_depth_test, deep_data_from_a_local_client_goes_out_and_too_deep_is_named) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  for (const int depth : {33, 40, 1000}) {
    SCOPED_TRACE(depth);
    const auto data = nested(depth);
    auto s = raw_socket::connect(wssd().socket());
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->send(R"({"jsonrpc":"2.0","id":1,"method":"broadcast","params":{"data":)" + data +
                        "}}\n"));
    const auto answer = read_object(*s);
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->contains("result")) << json::serialize(*answer);
    EXPECT_TRUE(wait_message(*peer, "broadcast", parse_deep(data)));
  }
  auto s = raw_socket::connect(wssd().socket());
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->send(R"({"jsonrpc":"2.0","id":2,"method":"broadcast","params":{"data":)" +
                      nested(6000) + "}}\n"));
  const auto refused = read_object(*s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(error_in(*refused).at("code"), -32700);
  EXPECT_EQ(error_in(*refused).at("message"), "JSON nested deeper than 5000 levels");
}

TEST_F(json_depth_test, wssctl_sends_deep_json_as_json_and_refuses_what_is_too_deep) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto deep = nested(40);
  const auto sent = run_wssctl(wssd().socket(), {"broadcast", deep});
  EXPECT_EQ(sent.exit_code, 0) << sent.err;
  EXPECT_TRUE(wait_message(*peer, "broadcast", parse_deep(deep)))
      << "sent as something else than the JSON array it is";

  const auto too_deep = run_wssctl(wssd().socket(), {"broadcast", nested(6000)});
  EXPECT_EQ(too_deep.exit_code, 2);
  EXPECT_NE(too_deep.err.find("DATA: JSON nested deeper than 5000 levels"), std::string::npos)
      << too_deep.err;
}

}  // namespace
}  // namespace wssd::test
