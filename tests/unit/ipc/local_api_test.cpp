// The local socket's methods over a real connection, with a service whose session runs on the
// fake transport.
#include "ipc/server/local_api.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "daemon/session/state_store.hpp"
#include "proto/wssd_errors.hpp"
#include "tests/support/fake_transport.hpp"
#include "tests/support/local_pair.hpp"
#include "tests/support/temp_dir.hpp"

namespace wssd {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::fake_hub;
using test::fake_server;

constexpr rights everything{true, true};

config with_state_dir(const test::temp_dir& dir) {
  auto c = test::fast_config();
  c.state_dir = dir.path().string();
  return c;
}

bool contains(const json::value& text, std::string_view part) {
  return text.as_string().find(part) != json::string::npos;
}

class local_api_test : public ::testing::Test {
 protected:
  local_api_test() { spdlog::set_level(spdlog::level::off); }

  ~local_api_test() override {
    if (connection_) connection_->close();
    test::poll(io_);
  }

  void SetUp() override {
    hub_.assign("a1");
    ASSERT_FALSE(state_.open());
    service_.start();
    ASSERT_TRUE(
        test::run_until(io_, [&] { return service_.status().state == session_state::online; }));
  }

  void connect(rights may) {
    connection_ = std::make_shared<local_connection>(
        std::move(pair_.wssd_end()), config_.ipc, service_.events(), counters_,
        peer_credentials{4242, 1000, 1000, {}}, may,
        [this](local_connection& c, std::string_view line) { api_.handle(c, line); }, nullptr);
    connection_->start();
  }

  // Sends one line and gives the answer to it.
  json::object ask(std::string_view line) {
    const auto before = pair_.lines().size();
    pair_.write(std::string(line) + "\n");
    const bool answered = test::run_until(io_, [&] {
      pair_.read_available();
      return pair_.lines().size() > before;
    });
    if (!answered) {
      ADD_FAILURE() << "no answer to " << line;
      return {};
    }
    return pair_.lines()[before];
  }

  json::object call(std::string_view method, json::object params = {}) {
    return ask(json::serialize(json::object{{"jsonrpc", "2.0"},
                                            {"id", ++last_id_},
                                            {"method", method},
                                            {"params", std::move(params)}}));
  }

  static std::int64_t code_of(const json::object& answer) {
    const auto* error = answer.if_contains("error");
    return error ? error->at("code").as_int64() : 0;
  }

  asio::io_context io_;
  test::temp_dir state_dir_;
  fake_server server_{io_};
  fake_hub hub_{server_};
  config config_ = with_state_dir(state_dir_);
  state_store state_{config_.state_dir};
  service service_{io_, config_, server_.make_transport(), state_, {}};
  client_counters counters_;
  local_api api_{service_, [] { return json::object{}; },
                 [this] { return render_metrics(service_.status(), counters_); }};
  test::local_pair pair_{io_};
  std::shared_ptr<local_connection> connection_;
  std::int64_t last_id_ = 0;
};

TEST_F(local_api_test, hello_names_the_protocol_and_where_the_event_log_stands) {
  connect({false, false});  // hello needs no right
  const auto answer = call("hello");
  EXPECT_EQ(answer.at("id"), json::value(last_id_));
  const auto& result = answer.at("result");
  EXPECT_EQ(result.at("protocol"), json::value(proto::local_protocol_version));
  EXPECT_FALSE(result.at("wssd").as_string().empty());
  EXPECT_EQ(result.at("seq"), json::value(service_.events().last_seq()));
  EXPECT_EQ(result.at("instance"), json::value(service_.events().instance()));
}

TEST_F(local_api_test, a_line_that_is_no_json_is_a_parse_error) {
  connect(everything);
  const auto answer = ask("{\"jsonrpc\": \"2.0\", \"id\": 1,");
  EXPECT_EQ(code_of(answer), proto::error_code::parse_error);
  EXPECT_TRUE(answer.at("id").is_null());
}

TEST_F(local_api_test, json_that_is_no_request_object_is_an_invalid_request) {
  connect(everything);
  EXPECT_EQ(code_of(ask("42")), proto::error_code::invalid_request);
  EXPECT_EQ(code_of(ask(R"([{"jsonrpc":"2.0","id":1,"method":"hello"}])")),
            proto::error_code::invalid_request);
}

TEST_F(local_api_test, an_unknown_method_is_named_in_its_error) {
  connect(everything);
  const auto answer = call("frobnicate");
  EXPECT_EQ(code_of(answer), proto::error_code::method_not_found);
  EXPECT_TRUE(contains(answer.at("error").at("message"), "frobnicate"));
  EXPECT_EQ(answer.at("id"), json::value(last_id_));
}

TEST_F(local_api_test, bad_params_are_named_in_their_error) {
  connect(everything);
  const auto to = call("send", {{"to", "p1"}});
  EXPECT_EQ(code_of(to), proto::error_code::invalid_params);
  EXPECT_TRUE(contains(to.at("error").at("message"), "to"));
  const auto since = call("subscribe", {{"since", -1}});
  EXPECT_EQ(code_of(since), proto::error_code::invalid_params);
  EXPECT_TRUE(contains(since.at("error").at("message"), "since"));
  const auto pid = call("set_private_id", {{"private_id", 7}});
  EXPECT_EQ(code_of(pid), proto::error_code::invalid_params);
  EXPECT_TRUE(contains(pid.at("error").at("message"), "private_id"));
}

TEST_F(local_api_test, without_the_read_right_status_and_subscribe_are_denied) {
  connect({false, true});
  EXPECT_EQ(code_of(call("status")), proto::wssd_error::denied);
  EXPECT_EQ(code_of(call("peers")), proto::wssd_error::denied);
  EXPECT_EQ(code_of(call("subscribe")), proto::wssd_error::denied);
  EXPECT_FALSE(connection_->subscribed());
}

TEST_F(local_api_test, without_the_send_right_send_broadcast_and_rpc_are_denied) {
  connect({true, false});
  const auto frames = server_.frames().size();
  EXPECT_EQ(code_of(call("send", {{"to", json::array{"p1"}}, {"data", 1}})),
            proto::wssd_error::denied);
  EXPECT_EQ(code_of(call("broadcast", {{"data", 1}})), proto::wssd_error::denied);
  EXPECT_EQ(code_of(call("rpc", {{"method", "WSS_Echo"}})), proto::wssd_error::denied);
  EXPECT_EQ(code_of(call("set_private_id", {{"private_id", "z9"}})), proto::wssd_error::denied);
  test::poll(io_);
  EXPECT_EQ(server_.frames().size(), frames);
  // Reading is still allowed.
  EXPECT_EQ(call("status").at("result").at("state"), json::value("online"));
}

TEST_F(local_api_test, subscribing_to_an_unknown_event_type_is_invalid_params) {
  connect(everything);
  const auto answer = call("subscribe", {{"types", json::array{"message", "bogus"}}});
  EXPECT_EQ(code_of(answer), proto::error_code::invalid_params);
  EXPECT_TRUE(contains(answer.at("error").at("message"), "bogus"));
  EXPECT_FALSE(connection_->subscribed());
}

TEST_F(local_api_test, subscribing_since_another_instance_answers_then_says_what_was_lost) {
  connect(everything);
  const auto kept = service_.events().last_seq();  // the states of coming online
  ASSERT_GT(kept, 0u);
  const auto answer = call("subscribe", {{"since", 1}, {"instance", "an-earlier-daemon"}});
  EXPECT_EQ(answer.at("result").at("instance"), json::value(service_.events().instance()));
  ASSERT_TRUE(test::run_until(io_, [&] {
    pair_.read_available();
    return pair_.lines().size() >= 2 + kept;
  }));
  const auto& notice = pair_.lines()[1].at("params");
  EXPECT_EQ(notice.at("type"), json::value("events_lost"));
  EXPECT_EQ(notice.at("reason"), json::value("daemon restarted"));
  for (std::uint64_t seq = 1; seq <= kept; ++seq) {
    EXPECT_EQ(pair_.lines()[1 + seq].at("params").at("seq"), json::value(seq));
  }
}

TEST_F(local_api_test, rpc_of_an_object_prototype_name_is_refused_and_never_sent) {
  connect(everything);
  const auto frames = server_.frames().size();
  for (const auto* method : {"toString", "constructor", "__proto__"}) {
    EXPECT_EQ(code_of(call("rpc", {{"method", method}})), proto::error_code::invalid_params)
        << method;
  }
  test::poll(io_);
  EXPECT_EQ(server_.frames().size(), frames);
}

TEST_F(local_api_test, rpc_of_wssds_own_methods_is_refused_and_never_sent) {
  connect(everything);
  const auto frames = server_.frames().size();
  EXPECT_EQ(code_of(call("rpc", {{"method", "WSS_Connect"}, {"params", json::object{}}})),
            proto::error_code::invalid_params);
  EXPECT_EQ(code_of(call("rpc", {{"method", "WSS_Handshake"}})), proto::error_code::invalid_params);
  test::poll(io_);
  EXPECT_EQ(server_.frames().size(), frames);
  EXPECT_EQ(server_.connects(), 1u);
}

TEST_F(local_api_test, rpc_of_another_method_goes_out_with_the_sessions_tokens) {
  connect(everything);
  pair_.write(
      json::serialize(json::object{{"jsonrpc", "2.0"},
                                   {"id", 1},
                                   {"method", "rpc"},
                                   {"params", {{"method", "WSS_Echo"}, {"params", {{"x", 1}}}}}}) +
      "\n");
  ASSERT_TRUE(test::run_until(io_, [&] { return !server_.requests("WSS_Echo").empty(); }));
  const auto echo = server_.last("WSS_Echo");
  EXPECT_EQ(echo.json.at("params").at("x"), json::value(1));
  EXPECT_EQ(echo.json.at("params").at("server_token"), json::value(fake_hub::server_token(1)));
  server_.reply(echo, json::object{{"echoed", true}});
  ASSERT_TRUE(test::run_until(io_, [&] {
    pair_.read_available();
    return !pair_.lines().empty();
  }));
  EXPECT_EQ(pair_.lines()[0].at("result"), json::value(json::object{{"echoed", true}}));
}

TEST_F(local_api_test, rpc_of_set_pid_changes_the_daemons_private_id) {
  connect(everything);
  const auto answer = call(
      "rpc", {{"method", "WSS_Session"}, {"params", {{"action", "setPID"}, {"privateID", "z9"}}}});
  EXPECT_EQ(answer.at("result"), json::value(json::object{{"privateID", "z9"}}));
  EXPECT_EQ(service_.status().private_id, "z9");
  const auto set_pid = server_.last("WSS_Session");
  EXPECT_EQ(set_pid.json.at("params").at("privateID"), json::value("z9"));
  // Its event tells every subscriber, as set_private_id's does.
  const auto last = service_.events().at(service_.events().last_seq());
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->type, *proto::type_bit("private_id"));
}

}  // namespace
}  // namespace wssd
