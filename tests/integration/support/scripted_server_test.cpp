// The scripted WSS server: its defaults against the test peer and the real wssd, and every
// override and injection as a client sees it.
#include "tests/support/scripted_server.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "proto/identity.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/test_peer.hpp"

namespace wssd::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using reply = scripted_server::reply;

std::string request_text(const json::value& id, const std::string& method,
                         json::object params = {}) {
  return json::serialize(
      json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
}

// The next frame of `ws` as a JSON object (an empty one if it is not).
json::object next_object(ws_test_client& ws, std::chrono::milliseconds limit = 2s) {
  const auto frame = ws.receive(limit);
  if (!frame) {
    ADD_FAILURE() << "no frame";
    return {};
  }
  json::error_code ec;
  auto v = json::parse(*frame, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << *frame;
    return {};
  }
  return v.as_object();
}

bool is_hex(const std::string& s, std::size_t size) {
  return s.size() == size && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(scripted_server, a_test_peer_joins_with_the_defaults) {
  scripted_server server;
  EXPECT_EQ(server.url(), "ws://127.0.0.1:" + std::to_string(server.port()) + "/");
  EXPECT_FALSE(server.peer_connect("peer-a", {{"wss", true}}));  // listed, nobody to tell yet
  test_peer peer;
  ASSERT_TRUE(peer.join(server.url())) << peer.last_error();

  const auto handshake = server.next_request(1s);
  ASSERT_TRUE(handshake);
  EXPECT_EQ(handshake->method, "WSS_Handshake");
  EXPECT_EQ(handshake->conn, 1u);
  const auto connect = server.next_request(1s);
  ASSERT_TRUE(connect);
  EXPECT_EQ(connect->method, "WSS_Connect");
  const std::string user_token(handshake->params.at("user_token").as_string());
  const std::string server_token(connect->params.at("server_token").as_string());
  EXPECT_TRUE(is_hex(server_token, 64)) << server_token;

  const auto& result = peer.connect_result();
  EXPECT_EQ(result.at("message"), "open");
  EXPECT_EQ(result.at("connect"), (json::array{"peer-a"}));
  EXPECT_EQ(result.at("options"), (json::array{json::object{{"wss", true}}}));
  EXPECT_EQ(peer.private_id(), proto::private_id_for(server_token, user_token));
  EXPECT_EQ(server.private_id(), peer.private_id());
  EXPECT_TRUE(server.connected());
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST(scripted_server, defaults_answer_session_and_send) {
  scripted_server server;
  test_peer peer;
  ASSERT_TRUE(peer.join(server.url())) << peer.last_error();
  const auto user_token = server.next_request(1s)->params.at("user_token");
  const auto server_token = server.next_request(1s)->params.at("server_token");
  EXPECT_TRUE(peer.send_direct("somebody", "hello"));
  EXPECT_TRUE(peer.broadcast("everybody"));
  ASSERT_TRUE(peer.set_private_id("kept"));
  EXPECT_EQ(server.private_id(), "kept");

  const auto pid = peer.request(
      "WSS_Session",
      {{"user_token", user_token}, {"server_token", server_token}, {"action", "getPID"}});
  ASSERT_TRUE(pid);
  EXPECT_EQ(pid->at("result"), (json::object{{"privateID", "kept"}}));
  const auto wrong = peer.request(
      "WSS_Session", {{"user_token", user_token}, {"server_token", "wrong"}, {"action", "getPID"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->at("error").at("code"), -32003);
}

TEST(scripted_server, ids_are_echoed_and_bad_frames_get_the_servers_errors) {
  scripted_server server;
  ws_test_client ws;
  ASSERT_TRUE(ws.connect(server.url()));
  ws.send_text(request_text("a-1", "WSS_Handshake", {{"user_token", "u"}}));
  const auto answer = next_object(ws);
  EXPECT_EQ(answer.at("id"), "a-1");
  EXPECT_EQ(answer.at("result").at("message"), "accept");
  ws.send_text(request_text(7, "WSS_Nothing"));
  EXPECT_EQ(
      next_object(ws),
      (json::object{
          {"jsonrpc", "2.0"},
          {"error", {{"code", -32601}, {"message", "Method \"WSS_Nothing\" does not exist."}}},
          {"id", 7}}));
  ws.send_text("{not json");
  const auto malformed = next_object(ws);
  EXPECT_EQ(malformed.at("error").at("code"), -32700);
  EXPECT_TRUE(malformed.at("id").is_null());
  ws.send_text(R"({"jsonrpc":"2.0","id":5})");
  const auto no_method = next_object(ws);
  EXPECT_EQ(no_method.at("error").at("code"), -32600);
  EXPECT_EQ(no_method.at("id"), 5);
}

TEST(scripted_server, an_error_override_reaches_the_client) {
  scripted_server server;
  server.on("WSS_Connect", [](const scripted_server::request&) {
    return reply::error(-32001, "Socket session exists.", {{"n", 1}});
  });
  test_peer peer;
  EXPECT_FALSE(peer.join(server.url()));
  EXPECT_NE(peer.last_error().find(
                R"({"code":-32001,"message":"Socket session exists.","data":{"n":1}})"),
            std::string::npos)
      << peer.last_error();

  server.reset_behaviour();
  test_peer again;
  EXPECT_TRUE(again.join(server.url())) << again.last_error();
}

TEST(scripted_server, none_leaves_a_request_unanswered_and_the_server_going) {
  scripted_server server;
  server.on("WSS_Handshake", [](const scripted_server::request&) { return reply::none(); });
  ws_test_client ws;
  ASSERT_TRUE(ws.connect(server.url()));
  ws.send_text(request_text(1, "WSS_Handshake", {{"user_token", "u"}}));
  EXPECT_FALSE(ws.receive(300ms));
  ws.send_text(request_text(2, "WSS_Send"));
  EXPECT_EQ(next_object(ws).at("id"), 2);
}

TEST(scripted_server, raw_frames_and_frames_before_the_answer) {
  scripted_server server;
  const std::string update = R"({"jsonrpc":"2.0","result":{"type":"update","data":1}})";
  server.on("WSS_Send",
            [&](const scripted_server::request&) { return reply::defaults().before({update}); });
  server.on("WSS_Session", [](const scripted_server::request&) {
    return reply::raw({"not json", R"({"jsonrpc":"2.0","id":99,"result":{}})"});
  });
  test_peer peer;
  ASSERT_TRUE(peer.join(server.url())) << peer.last_error();
  EXPECT_TRUE(peer.broadcast("x"));
  const auto pushed = peer.next_push(0ms);  // it came before the answer
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->at("type"), "update");

  peer.ws().send_text(request_text(3, "WSS_Session", {{"action", "getPID"}}));
  EXPECT_EQ(peer.ws().receive(2s), "not json");
  EXPECT_EQ(peer.ws().receive(2s), R"({"jsonrpc":"2.0","id":99,"result":{}})");
}

TEST(scripted_server, a_delayed_answer_lets_later_ones_pass) {
  scripted_server server;
  server.on("WSS_Handshake",
            [](const scripted_server::request&) { return reply::defaults().after(300ms); });
  ws_test_client ws;
  ASSERT_TRUE(ws.connect(server.url()));
  const auto start = clock_type::now();
  ws.send_text(request_text(1, "WSS_Handshake", {{"user_token", "u"}}));
  ws.send_text(request_text(2, "WSS_Nothing"));
  EXPECT_EQ(next_object(ws).at("id"), 2);
  const auto late = next_object(ws);
  EXPECT_GE(clock_type::now() - start, 300ms);
  EXPECT_EQ(late.at("id"), 1);
  EXPECT_EQ(late.at("result").at("message"), "accept");
}

TEST(scripted_server, injected_frames_reach_the_newest_connection_or_a_given_one) {
  scripted_server server;
  ws_test_client first, second;
  ASSERT_TRUE(first.connect(server.url()));
  ASSERT_TRUE(eventually([&] { return server.connections_accepted() == 1; }, 2s));
  ASSERT_TRUE(second.connect(server.url()));
  ASSERT_TRUE(eventually([&] { return server.connections_accepted() == 2; }, 2s));

  const std::string bytes("\0\x01\xff", 3);
  ASSERT_TRUE(server.send_text("plain text"));
  ASSERT_TRUE(server.send_binary(bytes));
  ASSERT_TRUE(server.push({{"type", "update"}, {"data", 2}}));
  EXPECT_EQ(second.receive(2s), "plain text");
  EXPECT_EQ(second.receive(2s), bytes);
  EXPECT_EQ(next_object(second),
            (json::object{{"jsonrpc", "2.0"}, {"result", {{"type", "update"}, {"data", 2}}}}));

  ASSERT_TRUE(server.send_text("to the first", 1));
  EXPECT_EQ(first.receive(2s), "to the first");
  EXPECT_FALSE(second.receive(100ms));
  EXPECT_FALSE(server.send_text("nobody", 3));
}

TEST(scripted_server, close_sends_its_code_and_reason) {
  scripted_server server;
  test_peer peer;
  ASSERT_TRUE(peer.join(server.url())) << peer.last_error();
  ASSERT_TRUE(server.close(4000, "go away"));
  ASSERT_TRUE(peer.ws().wait_closed(2s));
  EXPECT_NE(peer.ws().close_reason().find("close code 4000, go away"), std::string::npos)
      << peer.ws().close_reason();
  EXPECT_TRUE(eventually([&] { return !server.connected(); }, 2s));
  EXPECT_EQ(server.private_id(), "");
}

TEST(scripted_server, drop_ends_the_connection_without_a_close_frame) {
  scripted_server server;
  test_peer peer;
  ASSERT_TRUE(peer.join(server.url())) << peer.last_error();
  ASSERT_TRUE(server.drop());
  ASSERT_TRUE(peer.ws().wait_closed(2s));
  // websocketpp's name for "no Close frame came".
  EXPECT_NE(peer.ws().close_reason().find("close code 1006"), std::string::npos)
      << peer.ws().close_reason();
  EXPECT_TRUE(eventually([&] { return !server.connected(); }, 2s));
  EXPECT_FALSE(server.drop());
}

TEST(scripted_server, pings_are_answered_unless_told_not_to) {
  scripted_server server;
  ws_test_client ws;
  ASSERT_TRUE(ws.connect(server.url()));
  ASSERT_TRUE(ws.ping());
  EXPECT_TRUE(eventually([&] { return ws.pongs() == 1; }, 2s));
  server.answer_pings(false);
  ASSERT_TRUE(ws.ping());
  EXPECT_FALSE(eventually([&] { return ws.pongs() > 1; }, 300ms));
  EXPECT_TRUE(ws.is_open());
  server.answer_pings(true);
  ASSERT_TRUE(ws.ping());
  EXPECT_TRUE(eventually([&] { return ws.pongs() == 2; }, 2s));
}

TEST(scripted_server, a_50_mib_text_frame_is_delivered) {
  scripted_server server;
  ws_test_client ws;
  ASSERT_TRUE(ws.connect(server.url()));
  const std::string huge(50 * 1024 * 1024, 'z');
  ASSERT_TRUE(server.send_text(huge));
  const auto frame = ws.receive(60s);  // a bound, not a speed: 50 MiB under ASan, loaded
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->size(), huge.size());
  EXPECT_TRUE(*frame == huge);
}

TEST(scripted_server, frames_above_the_message_size_fail_the_connection) {
  scripted_server server;
  server.set_max_message_size(1024);
  ws_test_client ws;
  ASSERT_TRUE(ws.connect(server.url()));
  ASSERT_TRUE(ws.send_text(std::string(2048, 'x')));
  ASSERT_TRUE(ws.wait_closed(3s));
  EXPECT_NE(ws.close_reason().find("close code 1009"), std::string::npos) << ws.close_reason();
  EXPECT_FALSE(server.next_request(0ms));
}

TEST(scripted_server, next_request_sees_every_frame_in_order) {
  scripted_server server;
  ws_test_client ws;
  ASSERT_TRUE(ws.connect(server.url()));
  const auto handshake = request_text(1, "WSS_Handshake", {{"user_token", "u"}});
  const std::string notification = R"({"jsonrpc":"2.0","method":"WSS_Send","params":{}})";
  ws.send_text(handshake);
  ws.send_text("garbage");
  ws.send_text(request_text("s", "WSS_Send", {{"type", "broadcast"}}));
  ws.send_text(notification);

  auto r = server.next_request(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->conn, 1u);
  EXPECT_EQ(r->id, 1);
  EXPECT_EQ(r->method, "WSS_Handshake");
  EXPECT_EQ(r->params, (json::object{{"user_token", "u"}}));
  EXPECT_EQ(r->text, handshake);
  r = server.next_request(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "garbage");
  EXPECT_EQ(r->method, "");
  r = server.next_request(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "s");
  EXPECT_EQ(r->params.at("type"), "broadcast");
  r = server.next_request(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "WSS_Send");
  EXPECT_TRUE(r->id.is_null());
  EXPECT_EQ(r->text, notification);
  EXPECT_FALSE(server.next_request(100ms));
}

TEST(scripted_server, peer_pushes_have_the_servers_shape_and_update_the_peer_list) {
  scripted_server server;
  test_peer peer;
  ASSERT_TRUE(peer.join(server.url())) << peer.last_error();
  ASSERT_TRUE(server.peer_connect("a", {{"wss", true}}));
  EXPECT_EQ(peer.next_push(),
            (json::object{{"type", "session"}, {"connect", "a"}, {"options", {{"wss", true}}}}));
  ASSERT_TRUE(server.peer_change("a", "b"));
  EXPECT_EQ(peer.next_push(),
            (json::object{{"type", "session"},
                          {"change", {{"oldPrivateID", "a"}, {"newPrivateID", "b"}}}}));
  ASSERT_TRUE(server.direct("b", {{"k", 1}}));
  EXPECT_EQ(peer.next_push(),
            (json::object{{"type", "direct"}, {"from", "b"}, {"data", {{"k", 1}}}}));
  ASSERT_TRUE(server.broadcast("b", "hi"));
  EXPECT_EQ(peer.next_push(), (json::object{{"type", "broadcast"}, {"from", "b"}, {"data", "hi"}}));

  test_peer later;
  ASSERT_TRUE(later.join(server.url())) << later.last_error();
  EXPECT_EQ(later.connect_result().at("connect"), (json::array{"b"}));
  ASSERT_TRUE(server.peer_disconnect("b"));
  EXPECT_EQ(later.next_push(), (json::object{{"type", "session"}, {"disconnect", "b"}}));
  test_peer last;
  ASSERT_TRUE(last.join(server.url())) << last.last_error();
  EXPECT_EQ(last.connect_result().at("connect"), json::array());
}

TEST(scripted_server, a_throwing_behaviour_is_reported_and_left_unanswered) {
  scripted_server server;
  server.on("WSS_Send",
            [](const scripted_server::request&) -> reply { throw std::runtime_error("boom"); });
  ws_test_client ws;
  ASSERT_TRUE(ws.connect(server.url()));
  ws.send_text(request_text(1, "WSS_Send"));
  EXPECT_FALSE(ws.receive(300ms));
  const auto failures = server.failures();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("boom"), std::string::npos) << failures[0];
  ws.send_text(request_text(2, "WSS_Nothing"));
  EXPECT_EQ(next_object(ws).at("id"), 2);
}

TEST(scripted_server, behaviours_may_call_the_server) {
  scripted_server server;
  server.on("WSS_Send", [&](const scripted_server::request&) {
    server.push({{"type", "update"}});
    return reply::result({{"message", "ok"}});
  });
  test_peer peer;
  ASSERT_TRUE(peer.join(server.url())) << peer.last_error();
  EXPECT_TRUE(peer.broadcast("x"));
  EXPECT_EQ(peer.next_push(0ms), (json::object{{"type", "update"}}));
}

TEST(scripted_server, serves_wss_with_a_test_certificate) {
  temp_dir dir;
  const auto cert = make_self_signed_cert(dir.path());
  ASSERT_TRUE(cert);
  scripted_server server(*cert);
  EXPECT_EQ(server.url(), "wss://127.0.0.1:" + std::to_string(server.port()) + "/");
  test_peer peer(tls_options{cert->cert_file});
  EXPECT_TRUE(peer.join(server.url())) << peer.last_error();
}

TEST(scripted_server, wssd_comes_online_against_the_defaults) {
  scripted_server server;
  temp_dir dir;
  daemon_process wssd(dir, server.url());
  ASSERT_TRUE(wssd.wait_state("online")) << wssd.log();
  EXPECT_EQ(wssd.private_id(), server.private_id());
}

TEST(scripted_server, wssd_claims_its_id_again_after_a_drop) {
  scripted_server server;
  temp_dir dir;
  daemon_process wssd(dir, server.url());
  ASSERT_TRUE(wssd.wait_state("online")) << wssd.log();
  const auto pid = server.private_id();
  ASSERT_FALSE(pid.empty());
  while (server.next_request(0ms)) {
  }
  ASSERT_TRUE(server.drop());

  std::optional<scripted_server::request> claim;
  const auto deadline = clock_type::now() + 5s;
  while (!claim && clock_type::now() < deadline) {
    auto r = server.next_request(100ms);
    if (r && r->method == "WSS_Session" && r->params["action"] == "setPID") claim = r;
  }
  ASSERT_TRUE(claim) << wssd.log();
  EXPECT_EQ(claim->conn, 2u);
  EXPECT_EQ(claim->params.at("privateID"), json::value(pid));
  EXPECT_TRUE(eventually([&] { return server.private_id() == pid; }, 2s));
  EXPECT_TRUE(wssd.wait_state("online")) << wssd.log();
  EXPECT_EQ(wssd.private_id(), pid);
}

}  // namespace
}  // namespace wssd::test
