#include "proto/wss_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <optional>

namespace wssd::proto {
namespace {

namespace json = boost::json;

const session_tokens tokens{"user-tok", "server-tok"};

// The request's params, after checking the envelope around them.
json::object params_of(const std::string& text, const json::value& id, std::string_view method) {
  const auto request = json::parse(text).as_object();
  EXPECT_EQ(request.size(), 4u) << text;
  EXPECT_EQ(request.at("jsonrpc"), json::value("2.0"));
  EXPECT_EQ(request.at("id"), id);
  EXPECT_EQ(request.at("method"), json::value(method));
  return request.at("params").as_object();
}

template <class T>
std::optional<T> push_as(std::string_view text) {
  auto decoded = decode_frame(text);
  if (!decoded) {
    ADD_FAILURE() << "not decoded: " << decoded.error().what;
    return std::nullopt;
  }
  const auto* p = std::get_if<push>(&*decoded);
  if (!p) {
    ADD_FAILURE() << "decoded as a response: " << text;
    return std::nullopt;
  }
  const auto* typed = std::get_if<T>(p);
  if (!typed) {
    ADD_FAILURE() << "push of another type (index " << p->index() << "): " << text;
    return std::nullopt;
  }
  return *typed;
}

std::optional<response> response_of(std::string_view text) {
  auto decoded = decode_frame(text);
  if (!decoded) {
    ADD_FAILURE() << "not decoded: " << decoded.error().what;
    return std::nullopt;
  }
  const auto* r = std::get_if<response>(&*decoded);
  if (!r) {
    ADD_FAILURE() << "decoded as a push: " << text;
    return std::nullopt;
  }
  return *r;
}

std::string error_of(std::string_view text) {
  const auto decoded = decode_frame(text);
  if (decoded) {
    ADD_FAILURE() << "decoded without error: " << text;
    return {};
  }
  return decoded.error().what;
}

// ---- Requests ----

TEST(wss_codec, handshake_request_sends_only_the_user_token) {
  const auto params = params_of(handshake_request(1, "user-tok"), 1, "WSS_Handshake");
  EXPECT_EQ(params, json::parse(R"({"user_token":"user-tok"})"));
}

TEST(wss_codec, connect_request_sends_tokens_and_options) {
  const auto params = params_of(
      connect_request(2, tokens, {{"wss", true}, {"webrtc", false}, {"ortc", false}, {"x", "y"}}),
      2, "WSS_Connect");
  EXPECT_EQ(params, json::parse(R"({"user_token":"user-tok","server_token":"server-tok",
      "options":{"wss":true,"webrtc":false,"ortc":false,"x":"y"}})"));
}

TEST(wss_codec, direct_command_wraps_recipients_in_rcp) {
  const auto params = params_of(
      request_for("d", tokens, direct_command({"p1", "p2", "p1"}, json::object{{"k", 1}})), "d",
      "WSS_Send");
  EXPECT_EQ(params, json::parse(R"({"user_token":"user-tok","server_token":"server-tok",
      "type":"direct","to":{"rcp":["p1","p2","p1"]},"data":{"k":1}})"));
}

TEST(wss_codec, direct_command_omits_null_data) {
  const auto params =
      params_of(request_for(3, tokens, direct_command({"p1"}, nullptr)), 3, "WSS_Send");
  EXPECT_FALSE(params.contains("data"));
  EXPECT_EQ(params.at("to"), json::parse(R"({"rcp":["p1"]})"));
}

TEST(wss_codec, direct_command_keeps_falsy_data) {
  const auto params =
      params_of(request_for(3, tokens, direct_command({"p1"}, false)), 3, "WSS_Send");
  EXPECT_EQ(params.at("data"), json::value(false));
}

TEST(wss_codec, broadcast_command_wraps_exclude_in_rcp) {
  const auto params =
      params_of(request_for(4, tokens, broadcast_command("hi", {"p9"})), 4, "WSS_Send");
  EXPECT_EQ(params, json::parse(R"({"user_token":"user-tok","server_token":"server-tok",
      "type":"broadcast","exclude":{"rcp":["p9"]},"data":"hi"})"));
}

TEST(wss_codec, broadcast_command_omits_empty_exclude_and_null_data) {
  const auto params =
      params_of(request_for(5, tokens, broadcast_command(nullptr, {})), 5, "WSS_Send");
  EXPECT_EQ(params, json::parse(R"({"user_token":"user-tok","server_token":"server-tok",
      "type":"broadcast"})"));
}

TEST(wss_codec, a_commands_size_is_its_body_and_tokens_are_escaped) {
  const auto c = direct_command({"p1"}, "x");
  EXPECT_EQ(c.body, R"("type":"direct","to":{"rcp":["p1"]},"data":"x")");
  const auto text = request_for(1, {"u\"t", "s"}, c);
  EXPECT_EQ(json::parse(text).at("params").at("user_token"), "u\"t");
}

// The request is serialised straight into its string, piece by piece: every payload size comes
// out whole and exactly as the server has always seen it.
TEST(wss_codec, a_request_is_written_whole_whatever_the_payload_size) {
  for (const std::size_t n : {0, 1, 63, 64, 65, 1000, 100000}) {
    const json::value data(std::string(n, 'x') + "\"\\\n\u00e9\U0001F600");
    const auto text = request_for("id", tokens, direct_command({"p1", "p\"2"}, data));
    EXPECT_EQ(text, R"({"jsonrpc":"2.0","id":"id","method":"WSS_Send","params":{)"
                    R"("user_token":"user-tok","server_token":"server-tok","type":"direct",)"
                    R"("to":{"rcp":["p1","p\"2"]},"data":)" +
                        json::serialize(data) + "}}")
        << n;
  }
  EXPECT_EQ(request_for(2, tokens, set_private_id_command("a\"b")),
            R"({"jsonrpc":"2.0","id":2,"method":"WSS_Session","params":{)"
            R"("user_token":"user-tok","server_token":"server-tok",)"
            R"("action":"setPID","privateID":"a\"b"}})");
}

TEST(wss_codec, set_private_id_command_carries_the_private_id) {
  const auto params =
      params_of(request_for(7, tokens, set_private_id_command("abc")), 7, "WSS_Session");
  EXPECT_EQ(params, json::parse(R"({"user_token":"user-tok","server_token":"server-tok",
      "action":"setPID","privateID":"abc"})"));
}

// ---- Pushes ----

TEST(wss_codec, session_connect_push_with_options) {
  const auto p = push_as<peer_connected>(
      R"({"jsonrpc":"2.0","result":{"type":"session","connect":"pid1","options":{"wss":true,"n":2}}})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->private_id, "pid1");
  EXPECT_EQ(p->options, json::parse(R"({"wss":true,"n":2})"));
}

TEST(wss_codec, session_connect_push_without_options_has_empty_options) {
  const auto p =
      push_as<peer_connected>(R"({"jsonrpc":"2.0","result":{"type":"session","connect":"pid1"}})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->private_id, "pid1");
  EXPECT_TRUE(p->options.empty());
}

TEST(wss_codec, session_disconnect_push) {
  const auto p = push_as<peer_disconnected>(
      R"({"jsonrpc":"2.0","result":{"type":"session","disconnect":"pid2"}})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->private_id, "pid2");
}

TEST(wss_codec, session_change_push_nested_as_the_server_sends_it) {
  const auto p = push_as<peer_changed_id>(R"({"jsonrpc":"2.0","result":{"type":"session",
      "change":{"oldPrivateID":"old","newPrivateID":"new"}}})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->old_id, "old");
  EXPECT_EQ(p->new_id, "new");
}

TEST(wss_codec, session_change_push_flat_as_the_browser_expected) {
  const auto p = push_as<peer_changed_id>(
      R"({"jsonrpc":"2.0","result":{"type":"session","oldPrivateID":"old","newPrivateID":"new"}})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->old_id, "old");
  EXPECT_EQ(p->new_id, "new");
}

TEST(wss_codec, direct_push_with_from_and_data) {
  const auto p = push_as<peer_message>(
      R"({"jsonrpc":"2.0","result":{"type":"direct","from":"pid3","data":{"a":[1,2]}}})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, message_kind::direct);
  EXPECT_EQ(p->from, "pid3");
  ASSERT_TRUE(p->data);
  EXPECT_EQ(*p->data, json::parse(R"({"a":[1,2]})"));
}

TEST(wss_codec, direct_push_without_from_or_data) {
  const auto p = push_as<peer_message>(R"({"jsonrpc":"2.0","result":{"type":"direct"}})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, message_kind::direct);
  EXPECT_FALSE(p->from);
  EXPECT_FALSE(p->data);
}

TEST(wss_codec, push_with_null_data_keeps_it_apart_from_no_data) {
  const auto p = push_as<peer_message>(
      R"({"jsonrpc":"2.0","result":{"type":"direct","from":"p","data":null}})");
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->data);
  EXPECT_TRUE(p->data->is_null());
}

TEST(wss_codec, broadcast_push_with_from_and_data) {
  const auto p = push_as<peer_message>(
      R"({"jsonrpc":"2.0","result":{"type":"broadcast","from":"pid4","data":"hi"}})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, message_kind::broadcast);
  EXPECT_EQ(p->from, "pid4");
  EXPECT_EQ(p->data, json::value("hi"));
}

TEST(wss_codec, broadcast_push_without_from_or_data) {
  const auto p = push_as<peer_message>(R"({"jsonrpc":"2.0","result":{"type":"broadcast"}})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, message_kind::broadcast);
  EXPECT_FALSE(p->from);
  EXPECT_FALSE(p->data);
}

TEST(wss_codec, update_push_with_from) {
  const auto p = push_as<server_update>(
      R"({"jsonrpc":"2.0","result":{"type":"update","from":"pid5","data":[true]}})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->from, "pid5");
  EXPECT_EQ(p->data, json::parse("[true]"));
}

TEST(wss_codec, update_push_without_from) {
  const auto p = push_as<server_update>(R"({"jsonrpc":"2.0","result":{"type":"update","data":3}})");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->from);
  EXPECT_EQ(p->data, json::value(3));
}

TEST(wss_codec, message_kind_names) {
  EXPECT_EQ(to_string(message_kind::direct), "direct");
  EXPECT_EQ(to_string(message_kind::broadcast), "broadcast");
}

// ---- Responses ----

TEST(wss_codec, response_with_result) {
  const auto r = response_of(R"({"jsonrpc":"2.0","result":{"message":"ok"},"id":12})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, json::value(12));
  ASSERT_TRUE(r->outcome.has_value());
  EXPECT_EQ(*r->outcome, json::parse(R"({"message":"ok"})"));
}

TEST(wss_codec, response_with_error_code_message_and_data) {
  const auto r = response_of(R"({"jsonrpc":"2.0","id":13,"error":{"code":-32001,
      "message":"Too many connections from your IP.","data":{"numconnections":10,"maxconnections":10}}})");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->outcome.has_error());
  EXPECT_EQ(r->outcome.error().code, -32001);
  EXPECT_EQ(r->outcome.error().message, "Too many connections from your IP.");
  EXPECT_EQ(r->outcome.error().data, json::parse(R"({"numconnections":10,"maxconnections":10})"));
}

TEST(wss_codec, response_with_error_without_data) {
  const auto r = response_of(
      R"({"jsonrpc":"2.0","id":1,"error":{"code":-32003,"message":"Session not established."}})");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->outcome.has_error());
  EXPECT_EQ(r->outcome.error().code, -32003);
  EXPECT_TRUE(r->outcome.error().data.is_null());
}

TEST(wss_codec, response_with_null_id_is_a_response) {
  const auto r = response_of(
      R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"Request empty or malformed."},"id":null})");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->id.is_null());
  ASSERT_TRUE(r->outcome.has_error());
  EXPECT_EQ(r->outcome.error().code, -32700);
}

TEST(wss_codec, response_id_string_stays_a_string) {
  const auto r = response_of(R"({"jsonrpc":"2.0","result":{},"id":"17"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, json::value("17"));
}

TEST(wss_codec, response_id_number_stays_a_number) {
  const auto r = response_of(R"({"jsonrpc":"2.0","result":{},"id":17})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, json::value(17));
}

TEST(wss_codec, response_with_a_result_shaped_like_a_push_is_still_a_response) {
  const auto r = response_of(R"({"jsonrpc":"2.0","result":{"type":"direct","from":"p"},"id":2})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, json::value(2));
}

TEST(wss_codec, response_without_result_or_error_is_an_error) {
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","id":5})"), "response 5 has neither result nor error");
}

TEST(wss_codec, response_with_malformed_error_is_an_error) {
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","id":"q","error":"boom"})"),
            R"(response "q": error is a string, not an object)");
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","id":1,"error":{"message":"m"}})"),
            "response 1: error.code is missing or not an integer");
}

// ---- Malformed frames ----

TEST(wss_codec, not_json_is_an_error) {
  EXPECT_EQ(error_of("{nope").rfind("malformed JSON: ", 0), 0u);
  EXPECT_EQ(error_of("").rfind("malformed JSON: ", 0), 0u);
}

TEST(wss_codec, non_object_json_is_an_error) {
  EXPECT_EQ(error_of(R"([{"jsonrpc":"2.0","id":1,"result":{}}])"),
            "expected a JSON object, got an array");
  EXPECT_EQ(error_of("null"), "expected a JSON object, got null");
  EXPECT_EQ(error_of("42"), "expected a JSON object, got a number");
  EXPECT_EQ(error_of(R"("text")"), "expected a JSON object, got a string");
}

TEST(wss_codec, push_without_result_is_an_error) {
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0"})"), "frame has neither id nor result");
}

TEST(wss_codec, push_with_non_object_result_is_an_error) {
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","result":"session"})"), "push result is not an object");
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","result":null})"), "push result is not an object");
}

TEST(wss_codec, push_without_string_type_is_an_error) {
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","result":{"from":"p"}})"), "push without a string type");
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","result":{"type":1}})"), "push without a string type");
}

TEST(wss_codec, push_of_unknown_type_is_an_error) {
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","result":{"type":"gossip"}})"),
            R"(push of unknown type "gossip")");
}

TEST(wss_codec, session_push_with_non_string_connect_is_an_error) {
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","result":{"type":"session","connect":7}})"),
            "session push: connect is not a string");
}

TEST(wss_codec, session_push_with_non_string_disconnect_is_an_error) {
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","result":{"type":"session","disconnect":null}})"),
            "session push: disconnect is not a string");
}

TEST(wss_codec, session_push_with_non_object_change_is_an_error) {
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","result":{"type":"session","change":"x"}})"),
            "session push: change is not an object");
}

TEST(wss_codec, session_push_with_incomplete_change_is_an_error) {
  EXPECT_EQ(
      error_of(R"({"jsonrpc":"2.0","result":{"type":"session","change":{"oldPrivateID":"a"}}})"),
      "session push without connect, disconnect or change");
}

TEST(wss_codec, session_push_with_nothing_is_an_error) {
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","result":{"type":"session"}})"),
            "session push without connect, disconnect or change");
}

// ---- Results ----

TEST(wss_codec, server_token_from_handshake_result) {
  const auto token = server_token_from(json::parse(R"({"message":"accept","numconnections":1,
      "maxconnections":10,"peerconnections":0,"server_token":"abcdef"})"));
  ASSERT_TRUE(token.has_value()) << token.error().what;
  EXPECT_EQ(*token, "abcdef");
}

TEST(wss_codec, server_token_from_rejects_missing_or_empty_token) {
  EXPECT_EQ(server_token_from(json::parse(R"({"message":"accept"})")).error().what,
            "handshake result has no server_token");
  EXPECT_EQ(server_token_from(json::parse(R"({"server_token":""})")).error().what,
            "handshake result has no server_token");
  EXPECT_EQ(server_token_from(json::parse(R"({"server_token":5})")).error().what,
            "handshake result has no server_token");
}

TEST(wss_codec, server_token_from_rejects_a_non_object) {
  EXPECT_EQ(server_token_from(json::value("tok")).error().what,
            "handshake result is not an object");
}

TEST(wss_codec, connect_result_pairs_peers_with_their_options) {
  const auto r = connect_result_from(json::parse(R"({"message":"open","connect":["a","b"],
      "options":[{"wss":true},{"webrtc":true}],"private_id":"me"})"));
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(r->private_id, "me");
  ASSERT_EQ(r->peers.size(), 2u);
  EXPECT_EQ(r->peers[0].private_id, "a");
  EXPECT_EQ(r->peers[0].options, json::parse(R"({"wss":true})"));
  EXPECT_EQ(r->peers[1].private_id, "b");
  EXPECT_EQ(r->peers[1].options, json::parse(R"({"webrtc":true})"));
}

TEST(wss_codec, connect_result_without_options_gives_empty_options) {
  const auto r = connect_result_from(json::parse(R"({"connect":["a"],"private_id":"me"})"));
  ASSERT_TRUE(r.has_value()) << r.error().what;
  ASSERT_EQ(r->peers.size(), 1u);
  EXPECT_EQ(r->peers[0].private_id, "a");
  EXPECT_TRUE(r->peers[0].options.empty());
}

TEST(wss_codec, connect_result_with_shorter_options_fills_the_rest_empty) {
  const auto r = connect_result_from(
      json::parse(R"({"connect":["a","b","c"],"options":[{"x":1},"junk"],"private_id":"me"})"));
  ASSERT_TRUE(r.has_value()) << r.error().what;
  ASSERT_EQ(r->peers.size(), 3u);
  EXPECT_EQ(r->peers[0].options, json::parse(R"({"x":1})"));
  EXPECT_TRUE(r->peers[1].options.empty());
  EXPECT_EQ(r->peers[2].private_id, "c");
  EXPECT_TRUE(r->peers[2].options.empty());
}

TEST(wss_codec, connect_result_without_peers) {
  const auto r =
      connect_result_from(json::parse(R"({"connect":[],"options":[],"private_id":"me"})"));
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(r->private_id, "me");
  EXPECT_TRUE(r->peers.empty());
}

TEST(wss_codec, connect_result_rejects_missing_private_id) {
  EXPECT_EQ(connect_result_from(json::parse(R"({"connect":[]})")).error().what,
            "connect result has no private_id");
}

TEST(wss_codec, connect_result_rejects_non_array_connect) {
  EXPECT_EQ(connect_result_from(json::parse(R"({"connect":"a","private_id":"me"})")).error().what,
            "connect result: connect is not an array");
}

TEST(wss_codec, connect_result_rejects_non_string_peer_id) {
  EXPECT_EQ(
      connect_result_from(json::parse(R"({"connect":["a",1],"private_id":"me"})")).error().what,
      "connect result: a peer id is not a string");
}

TEST(wss_codec, connect_result_rejects_a_non_object) {
  EXPECT_EQ(connect_result_from(json::array{}).error().what, "connect result is not an object");
}

TEST(wss_codec, private_id_from_session_result) {
  const auto pid = private_id_from(json::parse(R"({"privateID":"p-1"})"));
  ASSERT_TRUE(pid.has_value()) << pid.error().what;
  EXPECT_EQ(*pid, "p-1");
}

TEST(wss_codec, private_id_from_rejects_missing_id_or_non_object) {
  EXPECT_EQ(private_id_from(json::parse(R"({"private_id":"p"})")).error().what,
            "session result has no privateID");
  EXPECT_EQ(private_id_from(nullptr).error().what, "session result is not an object");
}

}  // namespace
}  // namespace wssd::proto
