// wss-hub against reference/wss-protocol.md: the real binary, real sockets, 127.0.0.1 / ::1.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/hub/raw_http.hpp"
#include "tests/integration/hub/raw_ws.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/test_cert.hpp"
#include "tests/support/ws_test_client.hpp"

namespace wssd::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// How long a test waits to be sure that nothing more arrives.
constexpr auto quiet_period = 300ms;

std::string sha256_hex(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

json::value parse(const std::optional<std::string>& text) {
  if (!text) return json::value();
  json::error_code ec;
  auto v = json::parse(*text, ec);
  return ec ? json::value("unparseable: " + *text) : v;
}

std::string request(std::string_view method, json::object params, json::value id = 1) {
  return json::serialize(
      json::object{{"jsonrpc", "2.0"}, {"method", method}, {"id", id}, {"params", params}});
}

// The value at a JSON pointer, or null when there is none.
json::value at(const json::value& v, std::string_view pointer) {
  json::error_code ec;
  const auto* found = v.find_pointer(pointer, ec);
  return found == nullptr ? json::value() : *found;
}

std::int64_t error_code_of(const json::value& response) {
  const auto code = at(response, "/error/code");
  return code.is_int64() ? code.get_int64() : 0;
}

std::string error_message_of(const json::value& response) {
  const auto message = at(response, "/error/message");
  return message.is_string() ? std::string(message.get_string()) : std::string();
}

std::string string_at(const json::value& v, std::string_view pointer) {
  const auto s = at(v, pointer);
  return s.is_string() ? std::string(s.get_string()) : std::string();
}

bool is_push(const json::value& frame) {
  return frame.is_object() && !frame.get_object().contains("id");
}

hub_config with_http() {
  hub_config config;
  config.http = true;
  return config;
}

hub_config with_args(std::vector<std::string> args) {
  hub_config config;
  config.extra_args = std::move(args);
  return config;
}

json::object default_options() {
  return {{"wss", true}, {"webrtc", false}, {"ortc", false}};
}

// A session on its own socket.
struct peer {
  std::unique_ptr<ws_test_client> ws;
  std::string user_token;
  std::string server_token;
  std::string private_id;

  json::object tokens() const {
    return {{"user_token", user_token}, {"server_token", server_token}};
  }
};

class hub_conformance : public ::testing::Test {
 protected:
  void start_hub(hub_config config = {}) {
    hub_ = std::make_unique<hub_process>(std::move(config));
    ASSERT_TRUE(hub_->start()) << "wss-hub did not start";
  }

  std::unique_ptr<ws_test_client> open_socket(tls_options tls = {}) {
    auto ws = std::make_unique<ws_test_client>(std::move(tls));
    EXPECT_TRUE(ws->connect(hub_->ws_url())) << ws->close_reason();
    return ws;
  }

  json::value call(ws_test_client& ws, const std::string& text) {
    EXPECT_TRUE(ws.send_text(text));
    return parse(ws.receive());
  }

  std::string new_user_token() { return "user-" + std::to_string(++token_counter_); }

  json::value handshake(ws_test_client& ws, const std::string& user_token) {
    return call(ws, request("WSS_Handshake", {{"user_token", user_token}}));
  }

  // Handshake and connect on one socket, as a client should.
  peer join(json::object options = default_options(), tls_options tls = {}) {
    peer p{open_socket(std::move(tls)), new_user_token(), {}, {}};
    p.server_token = string_at(handshake(*p.ws, p.user_token), "/result/server_token");
    auto params = p.tokens();
    params["options"] = std::move(options);
    p.private_id = string_at(call(*p.ws, request("WSS_Connect", params, 2)), "/result/private_id");
    EXPECT_EQ(p.private_id.size(), 64u);
    return p;
  }

  json::value send(peer& from, json::object params, json::value id = 3) {
    for (auto& [key, value] : from.tokens()) params[key] = value;
    return call(*from.ws, request("WSS_Send", std::move(params), std::move(id)));
  }

  json::value session(peer& who, json::object params) {
    for (auto& [key, value] : who.tokens()) params[key] = value;
    return call(*who.ws, request("WSS_Session", std::move(params), 4));
  }

  void expect_silence(ws_test_client& ws) {
    const auto frame = ws.receive(quiet_period);
    EXPECT_FALSE(frame) << "unexpected frame: " << *frame;
  }

  std::optional<http_reply> post(const std::string& body, bool tls = false) {
    return send_http({"127.0.0.1", hub_->http_port(), tls, "POST", "/", "application/json", body});
  }

  std::unique_ptr<hub_process> hub_;
  int token_counter_ = 0;
};

// ---- Process and command line ----

int run_hub_with(const std::string& args) {
  const auto status = std::system((default_hub_binary() + " " + args + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(hub_command_line, bad_flags_exit_with_status_2) {
  EXPECT_EQ(run_hub_with("--port 0 --bogus"), 2);
  EXPECT_EQ(run_hub_with(""), 2);  // --port is required
  EXPECT_EQ(run_hub_with("--port 70000"), 2);
  EXPECT_EQ(run_hub_with("--port 0 --ping-interval 0"), 2);
  EXPECT_EQ(run_hub_with("--port 0 --log-level loud"), 2);
  EXPECT_EQ(run_hub_with("--port 0 --cert " + default_hub_binary()), 2);  // --cert needs --key
}

TEST(hub_command_line, bad_bind_address_fails_to_start) {
  EXPECT_EQ(run_hub_with("--port 0 --bind not-an-address"), 1);
}

TEST_F(hub_conformance, prints_ports_and_exits_cleanly_on_sigterm) {
  start_hub(with_http());
  EXPECT_NE(hub_->ws_port(), 0);
  EXPECT_NE(hub_->http_port(), 0);
  EXPECT_TRUE(hub_->stop());
}

TEST_F(hub_conformance, restart_reuses_the_ports) {
  start_hub(with_http());
  const auto ws_port = hub_->ws_port();
  const auto http_port = hub_->http_port();
  auto a = join();
  ASSERT_TRUE(hub_->restart());
  EXPECT_EQ(hub_->ws_port(), ws_port);
  EXPECT_EQ(hub_->http_port(), http_port);
  EXPECT_TRUE(a.ws->wait_closed());
  auto b = join();  // the table is empty again
  EXPECT_FALSE(b.private_id.empty());
}

TEST_F(hub_conformance, paused_hub_answers_after_resume) {
  start_hub();
  auto ws = open_socket();
  ASSERT_TRUE(hub_->pause());
  ASSERT_TRUE(ws->send_text(request("WSS_Handshake", {{"user_token", new_user_token()}})));
  EXPECT_FALSE(ws->receive(quiet_period));
  ASSERT_TRUE(hub_->resume());
  EXPECT_EQ(string_at(parse(ws->receive()), "/result/message"), "accept");
}

// ---- Sessions ----

TEST_F(hub_conformance, handshake_and_connect) {
  start_hub();
  auto ws = open_socket();
  const auto user_token = new_user_token();
  const auto accepted = handshake(*ws, user_token);
  EXPECT_EQ(string_at(accepted, "/result/message"), "accept");
  EXPECT_EQ(at(accepted, "/result/numconnections"), json::value(1));
  EXPECT_EQ(at(accepted, "/result/maxconnections"), json::value(10));
  EXPECT_EQ(at(accepted, "/result/peerconnections"), json::value(1));
  const auto server_token = string_at(accepted, "/result/server_token");
  ASSERT_EQ(server_token.size(), 64u);
  EXPECT_EQ(server_token.find_first_not_of("0123456789abcdef"), std::string::npos);

  const auto opened = call(*ws, request("WSS_Connect", {{"user_token", user_token},
                                                        {"server_token", server_token},
                                                        {"options", default_options()}}));
  EXPECT_EQ(string_at(opened, "/result/message"), "open");
  EXPECT_EQ(at(opened, "/result/connect"), json::array());
  EXPECT_EQ(at(opened, "/result/options"), json::array());
  EXPECT_EQ(string_at(opened, "/result/private_id"), sha256_hex(server_token + ":" + user_token));
}

TEST_F(hub_conformance, connect_announces_the_new_peer_with_its_options) {
  start_hub();
  json::object a_options = default_options();
  a_options["nickname"] = "a";
  auto a = join(a_options);
  json::object b_options = default_options();
  b_options["extra"] = json::object{{"nested", json::array{1, 2}}};
  peer b{open_socket(), new_user_token(), {}, {}};
  b.server_token = string_at(handshake(*b.ws, b.user_token), "/result/server_token");
  auto params = b.tokens();
  params["options"] = b_options;
  const auto opened = call(*b.ws, request("WSS_Connect", params, 2));
  b.private_id = string_at(opened, "/result/private_id");

  EXPECT_EQ(at(opened, "/result/connect"), json::array({json::value(a.private_id)}));
  EXPECT_EQ(at(opened, "/result/options"), json::array({a_options}));
  const auto push = parse(a.ws->receive());
  EXPECT_TRUE(is_push(push));
  EXPECT_EQ(push,
            json::parse(R"({"jsonrpc":"2.0","result":{"type":"session","connect":")" +
                        b.private_id + R"(","options":)" + json::serialize(b_options) + "}}"));
  expect_silence(*b.ws);  // no push about itself
}

TEST_F(hub_conformance, direct_to_self_twice_and_to_unknown) {
  start_hub();
  auto a = join();
  auto b = join();
  a.ws->receive();  // b's connect
  const auto first =
      send(a, {{"type", "direct"},
               {"to", {{"rcp", {a.private_id, "no-such-peer", b.private_id, a.private_id}}}},
               {"data", {{"hello", "world"}}}});
  // Pushes to oneself come before the ok.
  const json::value expected_push = {
      {"jsonrpc", "2.0"},
      {"result", {{"type", "direct"}, {"from", a.private_id}, {"data", {{"hello", "world"}}}}}};
  EXPECT_EQ(first, expected_push);
  EXPECT_EQ(parse(a.ws->receive()), expected_push);
  EXPECT_EQ(at(parse(a.ws->receive()), "/result/message"), json::value("ok"));
  EXPECT_EQ(parse(b.ws->receive()), expected_push);
  expect_silence(*b.ws);
}

TEST_F(hub_conformance, direct_without_data_has_no_data_key) {
  start_hub();
  auto a = join();
  auto b = join();
  a.ws->receive();
  EXPECT_EQ(at(send(a, {{"type", "Direct"}, {"to", {{"rcp", {b.private_id}}}}}), "/result/message"),
            json::value("ok"));
  EXPECT_EQ(parse(b.ws->receive()),
            json::parse(R"({"jsonrpc":"2.0","result":{"type":"direct","from":")" + a.private_id +
                        R"("}})"));
}

TEST_F(hub_conformance, broadcast_reaches_every_other_peer_but_the_excluded) {
  start_hub();
  auto a = join();
  auto b = join();
  auto c = join();
  a.ws->receive();
  a.ws->receive();
  b.ws->receive();
  EXPECT_EQ(
      at(send(a, {{"type", "BROADCAST"}, {"data", 7}, {"exclude", {{"rcp", {c.private_id}}}}}),
         "/result/message"),
      json::value("ok"));
  const json::value expected = {
      {"jsonrpc", "2.0"}, {"result", {{"type", "broadcast"}, {"from", a.private_id}, {"data", 7}}}};
  EXPECT_EQ(parse(b.ws->receive()), expected);
  expect_silence(*c.ws);
  expect_silence(*a.ws);

  // A bare array is silently ignored: nobody is excluded.
  EXPECT_EQ(at(send(a, {{"type", "broadcast"}, {"data", 7}, {"exclude", {c.private_id}}}),
               "/result/message"),
            json::value("ok"));
  EXPECT_EQ(parse(b.ws->receive()), expected);
  EXPECT_EQ(parse(c.ws->receive()), expected);
  expect_silence(*a.ws);
}

TEST_F(hub_conformance, data_is_reserialised_like_javascript) {
  start_hub();
  auto a = join();
  auto b = join();
  a.ws->receive();
  const std::string sent_data =
      R"({"b":1.0,"1":2,"big":9007199254740993,"d":1,"d":2,"e":1e21,"s":"\u0001é",)"
      R"("x":2.2222222222222222E73})";
  const std::string relayed_data =
      R"({"1":2,"b":1,"big":9007199254740992,"d":2,"e":1e+21,"s":"\u0001é",)"
      R"("x":2.2222222222222222e+73})";
  a.ws->send_text(R"({"jsonrpc":"2.0","method":"WSS_Send","id":3,"params":{"user_token":")" +
                  a.user_token + R"(","server_token":")" + a.server_token +
                  R"(","type":"direct","to":{"rcp":[")" + b.private_id + R"("]},"data":)" +
                  sent_data + "}}");
  EXPECT_EQ(b.ws->receive().value_or(""), R"({"jsonrpc":"2.0","result":{"type":"direct","from":")" +
                                              a.private_id + R"(","data":)" + relayed_data + "}}");
}

TEST_F(hub_conformance, one_mebibyte_message_is_relayed) {
  start_hub();
  auto a = join();
  auto b = join();
  a.ws->receive();
  const std::string big(1024 * 1024, 'x');
  EXPECT_EQ(at(send(a, {{"type", "direct"}, {"to", {{"rcp", {b.private_id}}}}, {"data", big}}),
               "/result/message"),
            json::value("ok"));
  EXPECT_EQ(string_at(parse(b.ws->receive()), "/result/data"), big);
}

TEST_F(hub_conformance, set_pid_pushes_a_change_and_reroutes) {
  start_hub();
  auto a = join();
  auto b = join();
  a.ws->receive();
  EXPECT_EQ(
      session(a, {{"action", "getPID"}}),
      json::parse(R"({"jsonrpc":"2.0","result":{"privateID":")" + a.private_id + R"("},"id":4})"));
  EXPECT_EQ(at(session(a, {{"action", "setPID"}, {"privateID", "alias"}}), "/result/privateID"),
            json::value("alias"));
  EXPECT_EQ(parse(b.ws->receive()),
            json::parse(R"({"jsonrpc":"2.0","result":{"type":"session","change":)"
                        R"({"oldPrivateID":")" +
                        a.private_id + R"(","newPrivateID":"alias"}}})"));
  expect_silence(*a.ws);  // no push about its own change
  EXPECT_EQ(at(session(a, {{"action", "getPID"}}), "/result/privateID"), json::value("alias"));

  send(b, {{"type", "direct"}, {"to", {{"rcp", {a.private_id}}}}, {"data", "old"}});
  send(b, {{"type", "direct"}, {"to", {{"rcp", {"alias"}}}}, {"data", "new"}});
  EXPECT_EQ(string_at(parse(a.ws->receive()), "/result/data"), "new");
}

TEST_F(hub_conformance, close_and_drop_push_disconnect) {
  start_hub();
  auto a = join();
  auto b = join();
  auto c = join();
  a.ws->receive();
  a.ws->receive();
  b.ws->receive();
  ASSERT_TRUE(b.ws->close());
  const json::value b_gone = {{"jsonrpc", "2.0"},
                              {"result", {{"type", "session"}, {"disconnect", b.private_id}}}};
  EXPECT_EQ(parse(a.ws->receive()), b_gone);
  EXPECT_EQ(parse(c.ws->receive()), b_gone);

  // A dropped TCP connection, with the current (changed) id.
  session(c, {{"action", "setPID"}, {"privateID", "c-alias"}});
  a.ws->receive();
  ASSERT_TRUE(c.ws->abort());
  EXPECT_EQ(parse(a.ws->receive()),
            json::value({{"jsonrpc", "2.0"},
                         {"result", {{"type", "session"}, {"disconnect", "c-alias"}}}}));
}

TEST_F(hub_conformance, reconnect_with_the_same_user_token_and_restore_the_pid) {
  start_hub();
  auto a = join();
  auto b = join();
  a.ws->receive();
  const auto old_pid = b.private_id;
  const auto user_token = b.user_token;
  ASSERT_TRUE(b.ws->close());
  a.ws->receive();

  peer again{open_socket(), user_token, {}, {}};
  again.server_token = string_at(handshake(*again.ws, user_token), "/result/server_token");
  EXPECT_NE(again.server_token, b.server_token);
  auto params = again.tokens();
  params["options"] = default_options();
  again.private_id =
      string_at(call(*again.ws, request("WSS_Connect", params, 2)), "/result/private_id");
  EXPECT_NE(again.private_id, old_pid);
  a.ws->receive();  // connect push
  session(again, {{"action", "setPID"}, {"privateID", old_pid}});
  EXPECT_EQ(at(parse(a.ws->receive()), "/result/change"),
            json::value({{"newPrivateID", old_pid}, {"oldPrivateID", again.private_id}}));
}

// ---- Framing ----

TEST_F(hub_conformance, ids_are_echoed_exactly) {
  start_hub();
  auto ws = open_socket();
  const std::string unknown = R"({"jsonrpc":"2.0","method":"Nope")";
  EXPECT_EQ(at(call(*ws, unknown + R"(,"id":"abc"})"), "/id"), json::value("abc"));
  EXPECT_EQ(at(call(*ws, unknown + R"(,"id":42})"), "/id"), json::value(42));
  ASSERT_TRUE(ws->send_text(unknown + R"(,"id":1.5})"));
  EXPECT_EQ(ws->receive().value_or(""),
            R"({"jsonrpc":"2.0","error":{"code":-32601,)"
            R"("message":"Method \"Nope\" does not exist."},"id":1.5})");
  const auto no_id = call(*ws, unknown + "}");
  ASSERT_TRUE(no_id.is_object());
  ASSERT_TRUE(no_id.get_object().contains("id"));
  EXPECT_TRUE(no_id.get_object().at("id").is_null());
  const auto success =
      call(*ws, R"({"jsonrpc":"2.0","method":"WSS_Handshake","params":{"user_token":"x"}})");
  EXPECT_TRUE(success.get_object().at("id").is_null());
}

TEST_F(hub_conformance, parse_errors) {
  start_hub();
  auto ws = open_socket();
  const auto malformed = json::parse(
      R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"Request empty or malformed."},)"
      R"("id":null})");
  for (const char* text : {"", "{", "null", "nonsense", "[]", "0"}) {
    EXPECT_EQ(call(*ws, text), malformed) << "for '" << text << "'";
  }
}

TEST_F(hub_conformance, invalid_requests) {
  start_hub();
  auto ws = open_socket();
  const auto missing_version = call(*ws, R"({"method":"WSS_Handshake","id":5})");
  EXPECT_EQ(error_code_of(missing_version), -32600);
  EXPECT_EQ(at(missing_version, "/id"), json::value(5));
  EXPECT_EQ(error_code_of(call(*ws, R"({"jsonrpc":"1.0","method":"WSS_Handshake"})")), -32600);
  EXPECT_EQ(error_code_of(call(*ws, R"({"jsonrpc":"2.0","id":1})")), -32600);
  EXPECT_EQ(error_code_of(call(*ws, R"({"jsonrpc":"2.0","method":7})")), -32600);
  EXPECT_EQ(error_code_of(call(*ws, "5")), -32600);
  const auto unknown = call(*ws, R"({"jsonrpc":"2.0","method":"WSS_Nope","id":1})");
  EXPECT_EQ(error_code_of(unknown), -32601);
  EXPECT_EQ(error_message_of(unknown), R"(Method "WSS_Nope" does not exist.)");
}

TEST_F(hub_conformance, inherited_object_members_are_never_answered) {
  start_hub();
  auto ws = open_socket();
  ASSERT_TRUE(ws->send_text(R"({"jsonrpc":"2.0","method":"toString","id":1})"));
  expect_silence(*ws);
}

TEST_F(hub_conformance, batch_elements_each_get_an_internal_error) {
  start_hub();
  auto ws = open_socket();
  const auto element =
      R"({"jsonrpc":"2.0","method":"WSS_Handshake","id":9,"params":{"user_token":"b"}})";
  ASSERT_TRUE(ws->send_text(std::string("[") + element + "," + element + "]"));
  for (int i = 0; i < 2; ++i) {
    const auto response = parse(ws->receive());
    EXPECT_EQ(error_code_of(response), -32603);
    EXPECT_TRUE(at(response, "/id").is_null());
  }
  expect_silence(*ws);
  // The batch created nothing: the token is still free.
  EXPECT_EQ(string_at(handshake(*ws, "b"), "/result/message"), "accept");
}

TEST_F(hub_conformance, binary_frames_are_parsed_as_json) {
  start_hub();
  raw_ws raw;
  ASSERT_TRUE(raw.open(hub_->ws_port(), 5s));
  ASSERT_TRUE(raw.send(opcode::binary, request("WSS_Handshake", {{"user_token", "bin"}})));
  raw_ws::frame frame;
  ASSERT_EQ(raw.read(frame, 5s), raw_ws::status::frame);
  EXPECT_EQ(frame.opcode, opcode::text);
  EXPECT_EQ(string_at(parse(frame.payload), "/result/message"), "accept");
}

// ---- Error table of wss-protocol.md ----

TEST_F(hub_conformance, handshake_errors) {
  start_hub();
  auto ws = open_socket();
  EXPECT_EQ(error_code_of(call(*ws, R"({"jsonrpc":"2.0","method":"WSS_Handshake","id":1})")),
            -32603);
  EXPECT_EQ(error_code_of(
                call(*ws, R"({"jsonrpc":"2.0","method":"WSS_Handshake","id":1,"params":null})")),
            -32603);
  handshake(*ws, "taken");
  auto other = open_socket();
  const auto duplicate = handshake(*other, "taken");
  EXPECT_EQ(error_code_of(duplicate), -32001);
  EXPECT_EQ(error_message_of(duplicate), "User token already exists for your IP.");
}

TEST_F(hub_conformance, connect_errors) {
  start_hub();
  auto ws = open_socket();
  const auto connect = [&](json::object params) {
    return call(*ws, request("WSS_Connect", std::move(params), 2));
  };
  const auto none = connect({{"user_token", "u"}, {"server_token", "s"}, {"options", {}}});
  EXPECT_EQ(error_code_of(none), -32001);
  EXPECT_EQ(error_message_of(none), "Session handshake not established.");

  const auto server_token = string_at(handshake(*ws, "u"), "/result/server_token");
  EXPECT_EQ(error_code_of(connect({{"user_token", "u"}, {"server_token", server_token}})), -32602);
  EXPECT_EQ(
      error_code_of(connect({{"user_token", "u"}, {"server_token", server_token}, {"options", 5}})),
      -32602);
  EXPECT_EQ(error_code_of(call(*ws, R"({"jsonrpc":"2.0","method":"WSS_Connect","id":2})")), -32603);
  const auto mismatch =
      connect({{"user_token", "u"}, {"server_token", "wrong"}, {"options", default_options()}});
  EXPECT_EQ(error_code_of(mismatch), -32001);
  EXPECT_EQ(error_message_of(mismatch), "Token mismatch.");
  const auto unknown = connect(
      {{"user_token", "unknown"}, {"server_token", server_token}, {"options", default_options()}});
  EXPECT_EQ(error_code_of(unknown), -32001);
  EXPECT_EQ(error_message_of(unknown), "Socket session can't be established at this time.");

  const json::object good{
      {"user_token", "u"}, {"server_token", server_token}, {"options", default_options()}};
  EXPECT_EQ(string_at(connect(good), "/result/message"), "open");
  const auto again = connect(good);
  EXPECT_EQ(error_code_of(again), -32001);
  EXPECT_EQ(error_message_of(again), "Socket session exists.");
}

TEST_F(hub_conformance, send_errors) {
  start_hub();
  auto a = join();
  auto b = join();
  a.ws->receive();
  const auto stranger = call(*a.ws, request("WSS_Send", {{"user_token", a.user_token},
                                                         {"server_token", "wrong"},
                                                         {"type", "broadcast"}}));
  EXPECT_EQ(error_code_of(stranger), -32001);
  EXPECT_EQ(error_message_of(stranger), "Handshake not established.");
  EXPECT_EQ(error_code_of(call(*a.ws, R"({"jsonrpc":"2.0","method":"WSS_Send","id":3})")), -32603);
  EXPECT_EQ(error_code_of(send(a, {})), -32602);                       // no type
  EXPECT_EQ(error_code_of(send(a, {{"type", 5}})), -32603);            // type not a string
  EXPECT_EQ(error_code_of(send(a, {{"type", "multicast"}})), -32602);  // unknown type
  EXPECT_EQ(error_code_of(send(a, {{"type", "direct"}})), -32602);     // no to
  EXPECT_EQ(error_code_of(send(a, {{"type", "direct"}, {"to", "x"}})), -32602);
  EXPECT_EQ(error_code_of(send(a, {{"type", "direct"}, {"to", {b.private_id}}})), -32602);
  EXPECT_EQ(error_code_of(send(a, {{"type", "direct"}, {"to", {{"rcp", "x"}}}})), -32602);
  expect_silence(*b.ws);
}

TEST_F(hub_conformance, session_errors) {
  start_hub();
  auto ws = open_socket();
  const auto server_token = string_at(handshake(*ws, "s"), "/result/server_token");
  const json::object tokens{{"user_token", "s"}, {"server_token", server_token}};
  const auto session_call = [&](json::object params) {
    for (auto& [key, value] : tokens) params.emplace(key, value);
    return call(*ws, request("WSS_Session", std::move(params), 4));
  };
  const auto early = session_call({{"action", "getPID"}});
  EXPECT_EQ(error_code_of(early), -32003);
  EXPECT_EQ(error_message_of(early), "Session not established.");

  auto params = tokens;
  params["options"] = default_options();
  call(*ws, request("WSS_Connect", params, 2));
  EXPECT_EQ(error_code_of(session_call({{"action", "renamePID"}})), -32602);
  EXPECT_EQ(error_code_of(session_call({{"action", 1}})), -32602);
  EXPECT_EQ(error_code_of(session_call({{"action", "setPID"}, {"privateID", 5}})), -32602);
  EXPECT_EQ(error_code_of(call(
                *ws, request("WSS_Session",
                             {{"user_token", "s"}, {"server_token", ""}, {"action", "getPID"}}))),
            -32602);
  EXPECT_EQ(error_code_of(call(*ws, R"({"jsonrpc":"2.0","method":"WSS_Session","id":4})")), -32603);
}

// ---- Decisions taken from the reference server's source ----

TEST_F(hub_conformance, session_with_the_right_user_token_but_a_wrong_server_token) {
  start_hub();
  auto a = join();
  auto b = join();
  a.ws->receive();
  for (const char* action : {"getPID", "setPID"}) {
    const auto reply = call(*a.ws, request("WSS_Session", {{"user_token", a.user_token},
                                                           {"server_token", "wrong"},
                                                           {"action", action},
                                                           {"privateID", "stolen"}}));
    EXPECT_EQ(error_code_of(reply), -32003) << action;
    EXPECT_EQ(error_message_of(reply), "Session not established.") << action;
  }
  expect_silence(*b.ws);  // no change was announced
  EXPECT_EQ(string_at(session(a, {{"action", "getPID"}}), "/result/privateID"), a.private_id);
}

TEST_F(hub_conformance, session_is_found_by_tokens_not_by_socket) {
  start_hub(with_http());
  auto a = join();
  auto b = join();
  auto c = join();
  a.ws->receive();
  a.ws->receive();
  b.ws->receive();
  // a's tokens over b's socket: the change is a's, old id included.
  auto params = a.tokens();
  params["action"] = "setPID";
  params["privateID"] = "a-alias";
  const json::value change = {{"newPrivateID", "a-alias"}, {"oldPrivateID", a.private_id}};
  // b is not a's session: it gets the push, before its answer.
  EXPECT_EQ(at(call(*b.ws, request("WSS_Session", params)), "/result/change"), change);
  EXPECT_EQ(string_at(parse(b.ws->receive()), "/result/privateID"), "a-alias");
  EXPECT_EQ(at(parse(c.ws->receive()), "/result/change"), change);
  expect_silence(*a.ws);

  // Over HTTP, too: WSS_Session has no transport check.
  auto get = c.tokens();
  get["action"] = "getPID";
  const auto reply = post(request("WSS_Session", get));
  ASSERT_TRUE(reply);
  EXPECT_EQ(string_at(parse(reply->body), "/result/privateID"), c.private_id);
  auto set = c.tokens();
  set["action"] = "setPID";
  set["privateID"] = "c-alias";
  ASSERT_TRUE(post(request("WSS_Session", set)));
  EXPECT_EQ(at(parse(a.ws->receive()), "/result/change"),
            json::value({{"newPrivateID", "c-alias"}, {"oldPrivateID", c.private_id}}));
}

TEST_F(hub_conformance, session_of_an_entry_that_never_connected_is_not_established) {
  start_hub();
  auto a = join();
  // A second handshake on a's connected socket, never connected.
  const auto server_token = string_at(handshake(*a.ws, "second"), "/result/server_token");
  const auto reply = call(*a.ws, request("WSS_Session", {{"user_token", "second"},
                                                         {"server_token", server_token},
                                                         {"action", "getPID"}}));
  EXPECT_EQ(error_code_of(reply), -32003);
  EXPECT_EQ(error_message_of(reply), "Session not established.");
}

TEST_F(hub_conformance, handshake_only_session_broadcasts_and_sends_without_from) {
  start_hub();
  auto a = join();
  auto b = join();
  a.ws->receive();
  peer quiet{open_socket(), new_user_token(), {}, {}};
  quiet.server_token = string_at(handshake(*quiet.ws, quiet.user_token), "/result/server_token");
  EXPECT_EQ(at(send(quiet, {{"type", "broadcast"}, {"data", "hi"}}), "/result/message"),
            json::value("ok"));
  const json::value no_from = {{"jsonrpc", "2.0"},
                               {"result", {{"type", "broadcast"}, {"data", "hi"}}}};
  EXPECT_EQ(parse(a.ws->receive()), no_from);
  EXPECT_EQ(parse(b.ws->receive()), no_from);
  EXPECT_EQ(at(send(quiet, {{"type", "direct"}, {"to", {{"rcp", {b.private_id}}}}, {"data", 1}}),
               "/result/message"),
            json::value("ok"));
  EXPECT_EQ(parse(b.ws->receive()),
            json::value({{"jsonrpc", "2.0"}, {"result", {{"type", "direct"}, {"data", 1}}}}));
  expect_silence(*a.ws);
  // Tokens the hub does not know at all are still refused.
  const auto stranger = call(*quiet.ws, request("WSS_Send", {{"user_token", "nobody"},
                                                             {"server_token", quiet.server_token},
                                                             {"type", "broadcast"}}));
  EXPECT_EQ(error_message_of(stranger), "Handshake not established.");
}

TEST_F(hub_conformance, send_without_params_from_an_ip_without_entries_is_not_a_handshake) {
  start_hub();
  auto ws = open_socket();
  const auto reply = call(*ws, R"({"jsonrpc":"2.0","method":"WSS_Send","id":3})");
  EXPECT_EQ(error_code_of(reply), -32001);
  EXPECT_EQ(error_message_of(reply), "Handshake not established.");
}

TEST_F(hub_conformance, from_is_the_current_private_id_after_set_pid) {
  start_hub();
  auto a = join();
  auto b = join();
  a.ws->receive();
  session(a, {{"action", "setPID"}, {"privateID", "renamed"}});
  b.ws->receive();  // the change
  send(a, {{"type", "direct"}, {"to", {{"rcp", {b.private_id}}}}});
  EXPECT_EQ(string_at(parse(b.ws->receive()), "/result/from"), "renamed");
}

TEST_F(hub_conformance, handshake_takes_any_user_token_and_compares_them_loosely) {
  start_hub();
  auto ws = open_socket();
  EXPECT_EQ(string_at(call(*ws, request("WSS_Handshake", {{"user_token", 5}})), "/result/message"),
            "accept");
  EXPECT_EQ(error_message_of(call(*ws, request("WSS_Handshake", {{"user_token", "5"}}))),
            "User token already exists for your IP.");  // 5 == "5"
  EXPECT_EQ(string_at(call(*ws, request("WSS_Handshake", {{"user_token", ""}})), "/result/message"),
            "accept");
  EXPECT_EQ(string_at(call(*ws, R"({"jsonrpc":"2.0","method":"WSS_Handshake","id":1,"params":{}})"),
                      "/result/message"),
            "accept");
  EXPECT_EQ(error_message_of(call(*ws, request("WSS_Handshake", {{"user_token", nullptr}}))),
            "User token already exists for your IP.");  // null == undefined
}

TEST_F(hub_conformance, tokens_that_are_not_strings_connect_with_a_null_private_id) {
  start_hub();
  auto a = join();
  auto ws = open_socket();
  const auto server_token =
      string_at(call(*ws, request("WSS_Handshake", {{"user_token", 42}})), "/result/server_token");
  const auto opened = call(*ws, request("WSS_Connect", {{"user_token", 42},
                                                        {"server_token", server_token},
                                                        {"options", default_options()}}));
  EXPECT_EQ(string_at(opened, "/result/message"), "open");
  EXPECT_TRUE(at(opened, "/result/private_id").is_null());
  EXPECT_EQ(at(opened, "/result/connect"), json::array({json::value(a.private_id)}));
  const auto announced = parse(a.ws->receive());
  ASSERT_TRUE(announced.at_pointer("/result").get_object().contains("connect"));
  EXPECT_TRUE(at(announced, "/result/connect").is_null());
}

TEST_F(hub_conformance, recipients_may_be_any_array_like) {
  start_hub();
  auto a = join();
  auto b = join();
  auto c = join();
  a.ws->receive();
  a.ws->receive();
  b.ws->receive();
  EXPECT_EQ(at(send(a, {{"type", "direct"},
                        {"to", {{"rcp", {{"length", 1}, {"0", c.private_id}}}}},
                        {"data", "obj"}}),
               "/result/message"),
            json::value("ok"));
  EXPECT_EQ(string_at(parse(c.ws->receive()), "/result/data"), "obj");
  // exclude.rcp is searched by index: a string's characters, too.
  session(b, {{"action", "setPID"}, {"privateID", "x"}});
  a.ws->receive();
  c.ws->receive();
  send(a, {{"type", "broadcast"}, {"data", "not for x"}, {"exclude", {{"rcp", "xyz"}}}});
  EXPECT_EQ(string_at(parse(c.ws->receive()), "/result/data"), "not for x");
  expect_silence(*b.ws);
}

TEST_F(hub_conformance, a_session_from_an_unknown_ip_leaves_an_empty_group_behind) {
  // With no entries allowed per IP only the very first handshake of an IP gets through; the
  // group WSS_Session leaves makes the next one from that IP not the first.
  start_hub(with_args({"--max-per-ip", "0"}));
  auto ws = open_socket();
  EXPECT_EQ(error_code_of(call(
                *ws, request("WSS_Session",
                             {{"user_token", "u"}, {"server_token", "s"}, {"action", "getPID"}}))),
            -32003);
  const auto refused = handshake(*ws, "u");
  EXPECT_EQ(error_message_of(refused), "Too many connections from your IP.");
  EXPECT_EQ(at(refused, "/error/data"),
            json::value({{"numconnections", 0}, {"maxconnections", 0}}));
}

TEST_F(hub_conformance, disconnect_skips_a_closing_socket_and_reaches_the_rest) {
  start_hub();
  // Two sessions on one socket, then a peer after them in the table.
  auto ws = open_socket();
  std::vector<std::string> pids;
  for (const char* user : {"first", "second"}) {
    const auto server_token = string_at(handshake(*ws, user), "/result/server_token");
    ASSERT_TRUE(ws->send_text(request(
        "WSS_Connect",
        {{"user_token", user}, {"server_token", server_token}, {"options", default_options()}})));
    auto opened = parse(ws->receive());
    if (is_push(opened)) opened = parse(ws->receive());  // the first session hears of the second
    pids.push_back(string_at(opened, "/result/private_id"));
  }
  auto rest = join();
  // Each session's close listener announces it; the socket's other session is closing
  // by then and is skipped, not the end of the fan-out.
  ASSERT_TRUE(ws->close());
  for (const auto& pid : pids) {
    EXPECT_EQ(
        parse(rest.ws->receive()),
        json::value({{"jsonrpc", "2.0"}, {"result", {{"type", "session"}, {"disconnect", pid}}}}));
  }
}

// ---- Per-IP limit and the handshake leak ----

TEST_F(hub_conformance, eleventh_handshake_is_refused_and_unconnected_entries_leak) {
  start_hub();
  {
    auto ws = open_socket();
    for (int i = 1; i <= 10; ++i) {
      EXPECT_EQ(at(handshake(*ws, new_user_token()), "/result/numconnections"), json::value(i));
    }
    const auto refused = handshake(*ws, new_user_token());
    EXPECT_EQ(error_code_of(refused), -32001);
    EXPECT_EQ(error_message_of(refused), "Too many connections from your IP.");
    EXPECT_EQ(at(refused, "/error/data"),
              json::value({{"numconnections", 10}, {"maxconnections", 10}}));
    ASSERT_TRUE(ws->close());
  }
  auto later = open_socket();
  EXPECT_EQ(error_code_of(handshake(*later, new_user_token())), -32001);
}

TEST_F(hub_conformance, closing_a_connected_socket_frees_its_entry) {
  start_hub(with_args({"--max-per-ip", "2"}));
  auto a = join();
  auto b = join();
  a.ws->receive();
  auto ws = open_socket();
  EXPECT_EQ(at(handshake(*ws, new_user_token()), "/error/data/maxconnections"), json::value(2));
  ASSERT_TRUE(b.ws->close());
  a.ws->receive();  // b's disconnect: the hub has seen the close
  EXPECT_EQ(string_at(handshake(*ws, new_user_token()), "/result/message"), "accept");
}

TEST_F(hub_conformance, no_leak_forgets_handshakes_of_a_closed_socket) {
  start_hub(with_args({"--no-leak"}));
  {
    auto ws = open_socket();
    for (int i = 0; i < 10; ++i) handshake(*ws, new_user_token());
    EXPECT_EQ(error_code_of(handshake(*ws, new_user_token())), -32001);
    ASSERT_TRUE(ws->close());
  }
  auto later = open_socket();
  // The close reaches the hub before this handshake: they travel on different sockets.
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto reply = handshake(*later, new_user_token());
    if (error_code_of(reply) == 0) {
      EXPECT_EQ(at(reply, "/result/numconnections"), json::value(1));
      return;
    }
    std::this_thread::sleep_for(50ms);
  }
  ADD_FAILURE() << "the closed socket's handshakes were not forgotten";
}

// ---- Pings ----

TEST_F(hub_conformance, client_ping_gets_a_pong) {
  start_hub();
  auto ws = open_socket();
  ASSERT_TRUE(ws->ping());
  for (int i = 0; i < 50 && ws->pongs() == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(ws->pongs(), 1);
}

TEST_F(hub_conformance, silent_socket_is_dropped_without_close_frame_and_ponging_one_stays) {
  start_hub(with_args({"--ping-interval", "0.2"}));
  auto watcher = join();
  raw_ws raw;
  ASSERT_TRUE(raw.open(hub_->ws_port(), 5s));
  const std::string user_token = new_user_token();
  ASSERT_TRUE(raw.send(opcode::text, request("WSS_Handshake", {{"user_token", user_token}})));
  raw_ws::frame frame;
  ASSERT_EQ(raw.read(frame, 5s), raw_ws::status::frame);
  const auto server_token = string_at(parse(frame.payload), "/result/server_token");
  ASSERT_TRUE(raw.send(opcode::text, request("WSS_Connect", {{"user_token", user_token},
                                                             {"server_token", server_token},
                                                             {"options", default_options()}})));
  ASSERT_EQ(raw.read(frame, 5s), raw_ws::status::frame);
  const auto raw_pid = string_at(parse(frame.payload), "/result/private_id");
  watcher.ws->receive();  // its connect push

  int pings = 0;
  raw_ws::status status;
  while ((status = raw.read(frame, 5s)) == raw_ws::status::frame) {
    EXPECT_NE(frame.opcode, opcode::close);
    if (frame.opcode == opcode::ping) {
      EXPECT_EQ(frame.payload, "");
      ++pings;
    }
  }
  EXPECT_EQ(status, raw_ws::status::eof);
  EXPECT_EQ(pings, 1);  // pinged once, dropped at the next tick
  EXPECT_EQ(parse(watcher.ws->receive()),
            json::value(
                {{"jsonrpc", "2.0"}, {"result", {{"type", "session"}, {"disconnect", raw_pid}}}}));
  EXPECT_TRUE(watcher.ws->is_open());  // it answered every ping
}

// ---- HTTP transport ----

TEST_F(hub_conformance, http_post_handshake_then_websocket_connect) {
  start_hub(with_http());
  const auto reply = post(request("WSS_Handshake", {{"user_token", "via-http"}}, "h"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->header("Content-Type"), "application/json-rpc");
  const auto accepted = parse(reply->body);
  EXPECT_EQ(at(accepted, "/id"), json::value("h"));
  const auto server_token = string_at(accepted, "/result/server_token");
  ASSERT_EQ(server_token.size(), 64u);

  auto ws = open_socket();
  const auto opened = call(*ws, request("WSS_Connect", {{"user_token", "via-http"},
                                                        {"server_token", server_token},
                                                        {"options", default_options()}}));
  EXPECT_EQ(string_at(opened, "/result/private_id"), sha256_hex(server_token + ":via-http"));
}

TEST_F(hub_conformance, http_connect_and_send_are_the_wrong_transport) {
  start_hub(with_http());
  for (const char* method : {"WSS_Connect", "WSS_Send"}) {
    const auto reply = post(request(method, {{"user_token", "u"}, {"server_token", "s"}}, 8));
    ASSERT_TRUE(reply);
    EXPECT_EQ(error_code_of(parse(reply->body)), -32002) << method;
    EXPECT_EQ(at(parse(reply->body), "/id"), json::value(8));
  }
  const auto session = post(
      request("WSS_Session", {{"user_token", "u"}, {"server_token", "s"}, {"action", "getPID"}}));
  ASSERT_TRUE(session);
  EXPECT_EQ(error_code_of(parse(session->body)), -32003);
  const auto malformed = post("{");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(error_code_of(parse(malformed->body)), -32700);
}

TEST_F(hub_conformance, http_get_is_never_answered) {
  start_hub(with_http());
  EXPECT_FALSE(send_http({"127.0.0.1", hub_->http_port(), false, "GET", "/", "text/plain", ""},
                         quiet_period));
}

// ---- HTTP as Node's http server ----

constexpr auto http_wait = 5s;
// 100 MiB, the hub's bound on a request body (the reference server has none).
constexpr std::size_t max_body = 100 * 1024 * 1024;

std::string handshake_request(const std::string& user_token) {
  return request("WSS_Handshake", {{"user_token", user_token}}, json::value(user_token));
}

// The names of the header lines of a response, in order.
std::vector<std::string> header_names(const raw_http_response& r) {
  std::vector<std::string> names;
  std::size_t pos = r.head.find("\r\n");
  while (pos != std::string::npos) {
    const auto start = pos + 2;
    pos = r.head.find("\r\n", start);
    const auto line = r.head.substr(start, pos == std::string::npos ? pos : pos - start);
    names.push_back(line.substr(0, line.find(':')));
  }
  return names;
}

// The peak resident memory of a process, in KiB.
std::size_t peak_rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

TEST_F(hub_conformance, http_chunked_request_body_is_accepted) {
  start_hub(with_http());
  raw_http http;
  ASSERT_TRUE(http.open(hub_->http_port()));
  ASSERT_TRUE(http.send(http_post_chunked(handshake_request("chunky"), 7)));
  const auto reply = http.read_response(http_wait);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  const auto accepted = parse(reply->body);
  EXPECT_EQ(string_at(accepted, "/result/message"), "accept") << reply->body;
  EXPECT_EQ(at(accepted, "/id"), json::value("chunky"));
}

TEST_F(hub_conformance, http_keep_alive_answers_every_request_on_one_connection) {
  start_hub(with_http());
  raw_http http;
  ASSERT_TRUE(http.open(hub_->http_port()));
  for (const char* user : {"ka-1", "ka-2", "ka-3"}) {
    ASSERT_TRUE(http.send(http_post(handshake_request(user))));
    const auto reply = http.read_response(http_wait);
    ASSERT_TRUE(reply) << "no answer for " << user;
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->header("Connection"), "keep-alive");
    EXPECT_EQ(reply->header("Keep-Alive"), "timeout=5");
    EXPECT_EQ(at(parse(reply->body), "/id"), json::value(user));
  }
  // Pipelined: both in one write, answered in order.
  ASSERT_TRUE(http.send(http_post(handshake_request("ka-4")) +
                        http_post_chunked(handshake_request("ka-5"), 5)));
  for (const char* user : {"ka-4", "ka-5"}) {
    const auto reply = http.read_response(http_wait);
    ASSERT_TRUE(reply) << "no answer for " << user;
    EXPECT_EQ(at(parse(reply->body), "/id"), json::value(user));
  }
}

TEST_F(hub_conformance, http_response_head_is_nodes) {
  start_hub(with_http());
  raw_http http;
  ASSERT_TRUE(http.open(hub_->http_port()));
  ASSERT_TRUE(http.send(http_post(handshake_request("head"))));
  const auto reply = http.read_response(http_wait);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->head.substr(0, reply->head.find("\r\n")), "HTTP/1.1 200 OK");
  EXPECT_EQ(header_names(*reply),
            (std::vector<std::string>{"Access-Control-Allow-Origin", "Content-Type", "Date",
                                      "Connection", "Keep-Alive", "Content-Length"}));
  EXPECT_EQ(reply->header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(reply->header("Content-Type"), "application/json-rpc");
  EXPECT_EQ(reply->header("Date").value_or("").size(), 29u);  // Tue, 01 Dec 2026 09:39:06 GMT
}

TEST_F(hub_conformance, http_connection_close_is_honoured) {
  start_hub(with_http());
  raw_http http;
  ASSERT_TRUE(http.open(hub_->http_port()));
  ASSERT_TRUE(http.send(http_post(handshake_request("bye"), "Connection: close\r\n")));
  const auto reply = http.read_response(http_wait);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->header("Connection"), "close");
  EXPECT_FALSE(reply->header("Keep-Alive"));
  EXPECT_EQ(at(parse(reply->body), "/id"), json::value("bye"));
  EXPECT_EQ(http.wait_closed(http_wait), raw_http::status::eof);
  EXPECT_EQ(http.rest(), "");
}

TEST_F(hub_conformance, http_1_0_closes_after_the_answer_and_ends_the_body_with_it) {
  start_hub(with_http());
  // Node closes HTTP/1.0 connections even when asked to keep them (the body has no length).
  for (const char* extra : {"", "Connection: keep-alive\r\n"}) {
    raw_http http;
    ASSERT_TRUE(http.open(hub_->http_port()));
    const std::string user = std::string("old-") + (*extra == '\0' ? "plain" : "ka");
    ASSERT_TRUE(http.send(http_post(handshake_request(user), extra, "HTTP/1.0")));
    const auto reply = http.read_response(http_wait);
    ASSERT_TRUE(reply) << extra;
    EXPECT_EQ(reply->header("Connection"), "close");
    EXPECT_FALSE(reply->header("Content-Length"));
    EXPECT_EQ(at(parse(reply->body), "/id"), json::value(user));
  }
}

TEST_F(hub_conformance, http_idle_keep_alive_connection_is_closed_after_the_timeout) {
  start_hub(with_http());
  raw_http http;
  ASSERT_TRUE(http.open(hub_->http_port()));
  ASSERT_TRUE(http.send(http_post(handshake_request("idle"))));
  ASSERT_TRUE(http.read_response(http_wait));
  const auto answered = std::chrono::steady_clock::now();
  EXPECT_EQ(http.wait_closed(10s), raw_http::status::eof);
  const auto idle = std::chrono::steady_clock::now() - answered;
  EXPECT_GT(idle, 5s);  // Keep-Alive: timeout=5 holds
  EXPECT_LT(idle, 7s);
}

TEST_F(hub_conformance, http_requests_node_cannot_parse_get_its_answers) {
  start_hub(with_http());
  const auto exchange = [&](const std::string& bytes) {
    raw_http http;
    EXPECT_TRUE(http.open(hub_->http_port()));
    EXPECT_TRUE(http.send(bytes));
    auto reply = http.read_response(http_wait);
    const auto closed = http.wait_closed(1s);
    return std::make_pair(reply, closed);
  };
  const std::string bad = "HTTP/1.1 400 Bad Request\r\nConnection: close";
  for (const std::string bytes :
       {std::string("FOO / HTTP/1.1\r\nHost: x\r\n\r\n"), std::string("hello\r\n\r\n"),
        std::string("POST / HTTP/1.1\nHost: x\nContent-Length: 1\n\n{"),
        std::string(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n{"),
        std::string("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: "
                    "chunked\r\n\r\n0\r\n\r\n"),
        std::string("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\n{\r\n"),
        // A parse error in the same read pre-empts the answer to the good request before it.
        http_post(handshake_request("pre-empted")) + "garbage\r\n\r\n"}) {
    const auto [reply, closed] = exchange(bytes);
    ASSERT_TRUE(reply) << bytes;
    EXPECT_EQ(reply->head, bad) << bytes;
    EXPECT_EQ(closed, raw_http::status::eof) << bytes;
  }
  // Node 20 requires Host on HTTP/1.1 and answers through its response object.
  const auto [no_host, closed] = exchange("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_TRUE(no_host);
  EXPECT_EQ(no_host->status, 400);
  EXPECT_EQ(header_names(*no_host),
            (std::vector<std::string>{"Connection", "Date", "Transfer-Encoding"}));
  EXPECT_EQ(closed, raw_http::status::eof);
}

TEST_F(hub_conformance, http_expect_headers_are_handled_as_node_does) {
  start_hub(with_http());
  raw_http http;
  ASSERT_TRUE(http.open(hub_->http_port()));
  const auto body = handshake_request("expects");
  ASSERT_TRUE(http.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n"));
  const auto go_on = http.read_response(http_wait);
  ASSERT_TRUE(go_on);
  EXPECT_EQ(go_on->head, "HTTP/1.1 100 Continue");
  ASSERT_TRUE(http.send(body));
  const auto reply = http.read_response(http_wait);
  ASSERT_TRUE(reply);
  EXPECT_EQ(at(parse(reply->body), "/id"), json::value("expects"));

  // Any other expectation: 417, and the connection stays usable.
  ASSERT_TRUE(http.send(http_post(handshake_request("never"), "Expect: something\r\n")));
  const auto refused = http.read_response(http_wait);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 417);
  EXPECT_EQ(refused->header("Connection"), "keep-alive");
  ASSERT_TRUE(http.send(http_post(handshake_request("never"))));
  const auto again = http.read_response(http_wait);
  ASSERT_TRUE(again);
  EXPECT_EQ(string_at(parse(again->body), "/result/message"), "accept");  // 417 ran nothing
}

TEST_F(hub_conformance, http_answers_behind_an_unanswered_get_are_held_but_run) {
  start_hub(with_http());
  raw_http http;
  ASSERT_TRUE(http.open(hub_->http_port()));
  ASSERT_TRUE(
      http.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n" + http_post(handshake_request("held"))));
  EXPECT_FALSE(http.read_response(quiet_period));
  // The handshake behind the GET took place: its user token is taken.
  auto ws = open_socket();
  const auto duplicate = handshake(*ws, "held");
  EXPECT_EQ(error_message_of(duplicate), "User token already exists for your IP.");
}

TEST_F(hub_conformance, http_bodies_and_headers_are_bounded) {
  start_hub(with_http());
  {  // A declared body over the bound is refused before it is read.
    raw_http http;
    ASSERT_TRUE(http.open(hub_->http_port()));
    ASSERT_TRUE(http.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                          std::to_string(max_body + 1) + "\r\n\r\n{"));
    const auto reply = http.read_response(http_wait);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->head, "HTTP/1.1 413 Payload Too Large\r\nConnection: close");
    EXPECT_EQ(http.wait_closed(http_wait), raw_http::status::eof);
  }
  {  // Headers without end.
    raw_http http;
    ASSERT_TRUE(http.open(hub_->http_port()));
    ASSERT_TRUE(http.send("POST / HTTP/1.1\r\nHost: x\r\n"));
    const std::string line = "X-Filler: " + std::string(1000, 'f') + "\r\n";
    for (int i = 0; i < 17; ++i) ASSERT_TRUE(http.send(line));
    const auto reply = http.read_response(http_wait);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->head, "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close");
  }
  {  // One header line without end.
    raw_http http;
    ASSERT_TRUE(http.open(hub_->http_port()));
    ASSERT_TRUE(http.send("POST / HTTP/1.1\r\nHost: x\r\nX-Endless: " + std::string(20000, 'e')));
    const auto reply = http.read_response(http_wait);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 431);
  }
  {  // Chunks without end: the hub stops at the bound instead of buffering on.
    raw_http http;
    ASSERT_TRUE(http.open(hub_->http_port()));
    ASSERT_TRUE(http.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
    const std::string chunk = "100000\r\n" + std::string(0x100000, 'c') + "\r\n";  // 1 MiB
    // Past the bound and what socket buffers hold, the hub must have hung up.
    const std::size_t give_up = max_body + 32 * chunk.size();
    std::size_t sent = 0;
    bool refused = false;
    while (!refused && sent < give_up) {
      refused = !http.send(chunk);
      sent += chunk.size();
    }
    EXPECT_TRUE(refused) << sent << " bytes taken";
    EXPECT_NE(http.wait_closed(http_wait), raw_http::status::timeout);
  }
  EXPECT_LT(peak_rss_kib(hub_->pid()), 400u * 1024);
  // And it still answers.
  const auto reply = post(handshake_request("still-here"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(string_at(parse(reply->body), "/result/message"), "accept");
}

std::optional<std::string> find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path == nullptr ? "" : path;
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = std::min(dirs.find(':', start), dirs.size());
    const auto candidate = dirs.substr(start, end - start) + "/" + program;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

TEST_F(hub_conformance, http_node_client_keeps_one_connection_for_chunked_posts) {
  const auto node = find_on_path("node");
  if (!node) GTEST_SKIP() << "node is not on PATH";
  start_hub(with_http());
  temp_dir dir;
  const auto out = (dir.path() / "node.out").string();
  const auto err = (dir.path() / "node.err").string();
  child_process client({{*node, std::string(HUB_TEST_SOURCE_DIR) + "/node_keepalive_client.js",
                         std::to_string(hub_->http_port())},
                        {},
                        out,
                        err});
  ASSERT_EQ(client.wait(20s), 0) << read_file(err);
  const auto result = parse(read_file(out));
  for (const char* which : {"/first", "/second"}) {
    const std::string base = which;
    EXPECT_EQ(at(result, base + "/status"), json::value(200)) << read_file(out);
    EXPECT_EQ(at(result, base + "/chunked"), json::value(true));
    EXPECT_EQ(string_at(parse(string_at(result, base + "/body")), "/result/message"), "accept");
  }
  EXPECT_EQ(at(result, "/second/reused"), json::value(true));  // the same connection
}

// ---- TLS and IPv6 ----

TEST_F(hub_conformance, tls_on_both_ports) {
  temp_dir dir;
  const auto cert = make_self_signed_cert(dir.path());
  ASSERT_TRUE(cert) << "openssl could not make a certificate";
  auto config = with_http();
  config.cert_file = cert->cert_file;
  config.key_file = cert->key_file;
  start_hub(config);
  ASSERT_EQ(hub_->ws_url().rfind("wss://", 0), 0u);

  auto verified = join(default_options(), {cert->cert_file, false});
  EXPECT_FALSE(verified.private_id.empty());
  auto insecure = join(default_options(), {"", true});
  EXPECT_EQ(at(parse(verified.ws->receive()), "/result/connect"), json::value(insecure.private_id));

  const auto reply = post(request("WSS_Handshake", {{"user_token", "https"}}), true);
  ASSERT_TRUE(reply);
  EXPECT_EQ(string_at(parse(reply->body), "/result/message"), "accept");
}

bool ipv6_loopback_available() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

TEST_F(hub_conformance, ipv6_loopback) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 on this machine";
  hub_config config;
  config.bind = "::1";
  start_hub(config);
  ASSERT_EQ(hub_->ws_url().find("[::1]"), 5u);
  auto a = join();
  EXPECT_EQ(a.private_id, sha256_hex(a.server_token + ":" + a.user_token));
}

}  // namespace
}  // namespace wssd::test
