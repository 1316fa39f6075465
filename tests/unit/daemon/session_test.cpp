#include "daemon/session/session.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "proto/wssd_errors.hpp"
#include "tests/support/fake_transport.hpp"

namespace wssd {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
using test::fake_hub;
using test::fake_server;

template <class E>
std::vector<E> events_of(const std::vector<proto::event>& all) {
  std::vector<E> out;
  for (const auto& e : all) {
    if (const auto* typed = std::get_if<E>(&e)) out.push_back(*typed);
  }
  return out;
}

std::vector<std::string> connected_ids(const std::vector<proto::event>& all) {
  std::vector<std::string> ids;
  for (const auto& e : events_of<proto::events::peer_connect>(all)) ids.push_back(e.private_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> disconnected_ids(const std::vector<proto::event>& all) {
  std::vector<std::string> ids;
  for (const auto& e : events_of<proto::events::peer_disconnect>(all)) ids.push_back(e.private_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

json::value session_push(std::string_view key, std::string_view pid) {
  return json::object{{"jsonrpc", "2.0"}, {"result", {{"type", "session"}, {key, pid}}}};
}

class session_test : public ::testing::Test {
 protected:
  session_test() { spdlog::set_level(spdlog::level::off); }

  // The hub plays the common path; a test that plays the server by hand does not ask for it.
  fake_hub& hub() {
    if (!hub_) hub_.emplace(server_);
    return *hub_;
  }

  void start() {
    session_ = std::make_unique<session>(
        io_, config_, server_.make_transport(), nullptr,
        [this](proto::event e) { events_.push_back(std::move(e)); }, nullptr);
    session_->start();
  }

  bool online_on_connection(unsigned n) {
    return test::run_until(io_, [&] { return server_.connects() == n && session_->online(); });
  }

  // Sends a command; its outcome lands in the returned slot.
  std::shared_ptr<std::optional<proto::rpc_result<json::value>>> submit(const proto::command& c) {
    auto outcome = std::make_shared<std::optional<proto::rpc_result<json::value>>>();
    session_->submit(c, [outcome](proto::rpc_result<json::value> r) { *outcome = std::move(r); });
    return outcome;
  }

  asio::io_context io_;
  fake_server server_{io_};
  std::optional<fake_hub> hub_;
  config config_ = test::fast_config();
  std::vector<proto::event> events_;
  std::unique_ptr<session> session_;
};

TEST_F(session_test, comes_online_with_a_handshake_then_a_connect_on_the_same_link) {
  start();
  test::poll(io_);
  ASSERT_EQ(server_.connects(), 1u);
  EXPECT_EQ(server_.url(), config_.server);
  EXPECT_TRUE(server_.frames().empty());
  EXPECT_EQ(session_->state(), session_state::connecting);

  server_.open();
  test::poll(io_);
  EXPECT_TRUE(server_.is_open());
  // Until the handshake is answered nothing else may go out: no pipelined connect.
  ASSERT_EQ(server_.frames().size(), 1u);
  const auto handshake = server_.frames()[0];
  EXPECT_EQ(handshake.json.at("method"), json::value("WSS_Handshake"));
  const auto user_token = handshake.json.at("params").at("user_token");
  EXPECT_FALSE(user_token.as_string().empty());
  EXPECT_EQ(session_->state(), session_state::handshaking);

  const auto server_token = fake_hub::server_token(1);
  server_.reply(handshake, json::object{{"server_token", server_token}});
  test::poll(io_);
  ASSERT_EQ(server_.frames().size(), 2u);
  const auto connect = server_.frames()[1];
  EXPECT_EQ(connect.connection, 1u);
  EXPECT_EQ(connect.json.at("method"), json::value("WSS_Connect"));
  EXPECT_EQ(connect.json.at("params").at("user_token"), user_token);
  EXPECT_EQ(connect.json.at("params").at("server_token"), json::value(server_token));
  EXPECT_EQ(connect.json.at("params").at("options"), json::value(config_.options));
  EXPECT_FALSE(session_->online());

  server_.reply(
      connect, json::object{{"message", "open"}, {"connect", json::array{}}, {"private_id", "a1"}});
  test::poll(io_);
  EXPECT_TRUE(session_->online());
  EXPECT_EQ(session_->private_id(), "a1");
  EXPECT_EQ(server_.connects(), 1u);
  EXPECT_EQ(server_.frames().size(), 2u);  // nothing to claim on a first session
}

TEST_F(session_test, after_a_drop_it_claims_its_private_id_again_and_comes_online_as_it) {
  hub().assign("a1");
  start();
  ASSERT_TRUE(online_on_connection(1));

  hub().assign("b2");
  hub().answer_set_pid(false);
  server_.drop();
  ASSERT_TRUE(test::run_until(io_, [&] { return !server_.requests("WSS_Session").empty(); }));
  const auto claim = server_.last("WSS_Session");
  EXPECT_EQ(claim.connection, 2u);
  const auto& params = claim.json.at("params");
  EXPECT_EQ(params.at("action"), json::value("setPID"));
  EXPECT_EQ(params.at("privateID"), json::value("a1"));
  EXPECT_EQ(params.at("server_token"), json::value(fake_hub::server_token(2)));
  // Not online as b2 in between: local clients would see an identity that is not to last.
  test::poll(io_);
  EXPECT_FALSE(session_->online());

  server_.reply(claim, json::object{{"privateID", "a1"}});
  ASSERT_TRUE(online_on_connection(2));
  EXPECT_EQ(session_->private_id(), "a1");
  EXPECT_EQ(session_->counters().reconnects, 1u);
  // To local clients the id never changed.
  const auto ids = events_of<proto::events::private_id>(events_);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0].id, "a1");
}

TEST_F(session_test, a_stale_session_holding_the_claimed_id_is_not_a_peer) {
  hub().assign("a1", {{"p1", {}}});
  start();
  ASSERT_TRUE(online_on_connection(1));
  events_.clear();

  hub().assign("b2", {{"a1", {}}, {"p1", {}}});  // the server still lists our old session
  server_.drop();
  ASSERT_TRUE(online_on_connection(2));
  EXPECT_FALSE(session_->peers().contains("a1"));
  EXPECT_TRUE(session_->peers().contains("p1"));
  EXPECT_EQ(session_->peers().size(), 1u);
  EXPECT_TRUE(connected_ids(events_).empty());
}

TEST_F(session_test, after_a_reconnect_only_the_differences_in_peers_are_reported) {
  hub().assign("a1", {{"p1", {}}, {"p2", {{"v", 1}}}, {"p3", {{"v", 1}}}});
  start();
  ASSERT_TRUE(online_on_connection(1));
  EXPECT_EQ(connected_ids(events_), (std::vector<std::string>{"p1", "p2", "p3"}));
  events_.clear();

  hub().assign("b2", {{"p2", {{"v", 1}}}, {"p3", {{"v", 2}}}, {"p4", {}}});
  server_.drop();
  ASSERT_TRUE(online_on_connection(2));
  EXPECT_EQ(connected_ids(events_), (std::vector<std::string>{"p3", "p4"}));  // p3: new options
  EXPECT_EQ(disconnected_ids(events_), (std::vector<std::string>{"p1"}));
}

TEST_F(session_test, a_dropped_link_is_made_again_only_after_the_backoff) {
  hub().assign("a1");
  start();
  ASSERT_TRUE(online_on_connection(1));

  const auto dropped_at = clock::now();
  server_.drop();
  test::poll(io_);
  EXPECT_EQ(session_->state(), session_state::backoff);
  EXPECT_EQ(server_.connects(), 1u);
  ASSERT_TRUE(test::run_until(io_, [&] { return server_.connects() == 2; }));
  EXPECT_GE(clock::now() - dropped_at, backoff::floor);
}

TEST_F(session_test, an_attempt_that_never_opens_is_given_up_after_the_connect_timeout) {
  config_.connect_timeout = seconds(0.05);
  start();  // nobody opens the link
  const auto started_at = clock::now();
  ASSERT_TRUE(test::run_until(io_, [&] { return server_.aborts() == 1; }));
  EXPECT_GE(clock::now() - started_at, 50ms);
  EXPECT_TRUE(test::run_until(io_, [&] { return server_.connects() == 2; }));
}

TEST_F(session_test, a_request_not_answered_in_time_fails_alone_and_the_link_stays) {
  config_.request_timeout = seconds(0.05);
  hub().assign("a1");
  start();
  ASSERT_TRUE(online_on_connection(1));

  const auto sent_at = clock::now();
  auto unanswered = submit(proto::broadcast_command(1, {}));
  ASSERT_TRUE(test::run_until(io_, [&] { return unanswered->has_value(); }));
  EXPECT_GE(clock::now() - sent_at, 50ms);
  ASSERT_FALSE(**unanswered);
  EXPECT_EQ((*unanswered)->error().code, proto::wssd_error::timeout);

  // The keepalive judges the link, not one silent request: it stays, and carries the next one.
  EXPECT_EQ(server_.aborts(), 0u);
  EXPECT_EQ(server_.closes(), 0u);
  EXPECT_EQ(server_.connects(), 1u);
  EXPECT_TRUE(session_->online());
  auto next = submit(proto::broadcast_command(2, {}));
  test::poll(io_);
  ASSERT_EQ(server_.requests("WSS_Send").size(), 2u);
  server_.reply(server_.last("WSS_Send"), json::object{{"message", "ok"}});
  ASSERT_TRUE(test::run_until(io_, [&] { return next->has_value(); }));
  EXPECT_TRUE(**next);
}

TEST_F(session_test, minus_32001_to_the_handshake_waits_at_least_too_many_connections) {
  start();
  test::poll(io_);
  server_.open();
  test::poll(io_);
  const auto refused_at = clock::now();
  server_.reply_error(server_.last("WSS_Handshake"), -32001, "Too many connections from your IP.");
  ASSERT_TRUE(test::run_until(
      io_, [&] { return server_.connects() == 2; }, 2s));
  EXPECT_GE(clock::now() - refused_at, test::fast_config().backoff.too_many_connections);
  EXPECT_EQ(server_.closes(), 1u);
  EXPECT_TRUE(server_.requests("WSS_Connect").empty());
}

TEST_F(session_test, minus_32001_to_the_connect_is_no_reason_to_wait_that_long) {
  start();
  test::poll(io_);
  server_.open();
  test::poll(io_);
  server_.reply(server_.last("WSS_Handshake"), json::object{{"server_token", "5e"}});
  test::poll(io_);
  server_.reply_error(server_.last("WSS_Connect"), -32001, "Socket session exists.");
  // The usual backoff (0.1 s here), well before too_many_connections (0.3 s).
  EXPECT_TRUE(test::run_until(
      io_, [&] { return server_.connects() == 2; }, 250ms));
}

TEST_F(session_test, our_own_disconnect_pushed_reconnects_at_once_but_not_twice_in_a_row) {
  hub().assign("a1");
  start();
  ASSERT_TRUE(online_on_connection(1));

  server_.push(session_push("disconnect", "a1"));
  test::poll(io_);  // no timer runs in a poll: the new connect came at once
  EXPECT_EQ(server_.closes(), 1u);
  EXPECT_EQ(server_.connects(), 2u);
  ASSERT_TRUE(online_on_connection(2));

  const auto pushed_at = clock::now();
  server_.push(session_push("disconnect", "a1"));
  test::poll(io_);
  EXPECT_EQ(server_.closes(), 2u);
  EXPECT_EQ(server_.connects(), 2u);
  EXPECT_EQ(session_->state(), session_state::backoff);
  ASSERT_TRUE(test::run_until(io_, [&] { return server_.connects() == 3; }));
  EXPECT_GE(clock::now() - pushed_at, backoff::floor);
}

TEST_F(session_test, a_link_that_never_pongs_is_found_dead_after_the_ping_timeout) {
  // A timeout longer than the interval: later pings must not push the deadline back.
  config_.ping_interval = seconds(0.02);
  config_.ping_timeout = seconds(0.05);
  hub().assign("a1");
  start();
  ASSERT_TRUE(online_on_connection(1));

  const auto online_at = clock::now();
  ASSERT_TRUE(test::run_until(io_, [&] { return server_.aborts() == 1; }));
  const auto waited = clock::now() - online_at;
  EXPECT_GE(waited, 60ms);  // the first ping after 20 ms, then 50 ms without a pong
  EXPECT_LT(waited, 300ms);
  EXPECT_GE(server_.pings(), 2u);
  EXPECT_TRUE(online_on_connection(2));
}

TEST_F(session_test, a_link_that_pongs_stays_up) {
  config_.ping_interval = seconds(0.02);
  config_.ping_timeout = seconds(0.05);
  server_.auto_pong(true);
  hub().assign("a1");
  start();
  ASSERT_TRUE(online_on_connection(1));

  test::run_for(io_, 200ms);
  EXPECT_GE(server_.pings(), 4u);
  EXPECT_EQ(server_.aborts(), 0u);
  EXPECT_EQ(server_.connects(), 1u);
  EXPECT_TRUE(session_->online());
}

TEST_F(session_test, set_private_id_adopts_the_id_the_server_confirms) {
  hub().assign("a1");
  hub().answer_set_pid(false);
  start();
  ASSERT_TRUE(online_on_connection(1));

  auto outcome = submit(proto::set_private_id_command("asked"));
  test::poll(io_);
  server_.reply(server_.last("WSS_Session"), json::object{{"privateID", "granted"}});
  ASSERT_TRUE(test::run_until(io_, [&] { return outcome->has_value(); }));
  ASSERT_TRUE(**outcome);
  EXPECT_EQ(***outcome, json::value(json::object{{"private_id", "granted"}}));
  EXPECT_EQ(session_->private_id(), "granted");
  const auto ids = events_of<proto::events::private_id>(events_);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[1].id, "granted");
  EXPECT_EQ(ids[1].previous, std::optional<std::string>("a1"));
}

TEST_F(session_test, set_private_id_answered_without_an_id_changes_nothing) {
  hub().assign("a1");
  hub().answer_set_pid(false);
  start();
  ASSERT_TRUE(online_on_connection(1));

  auto outcome = submit(proto::set_private_id_command("asked"));
  test::poll(io_);
  server_.reply(server_.last("WSS_Session"), json::object{{"message", "ok"}});
  ASSERT_TRUE(test::run_until(io_, [&] { return outcome->has_value(); }));
  ASSERT_FALSE(**outcome);
  EXPECT_EQ((*outcome)->error().code, proto::wssd_error::bad_answer);
  EXPECT_EQ(session_->private_id(), "a1");
  EXPECT_EQ(events_of<proto::events::private_id>(events_).size(), 1u);
}

TEST_F(session_test, a_close_for_an_oversized_message_is_counted) {
  hub().assign("a1");
  start();
  ASSERT_TRUE(online_on_connection(1));

  server_.drop("connection reset");
  ASSERT_TRUE(online_on_connection(2));
  EXPECT_EQ(session_->counters().oversized_messages, 0u);

  server_.drop("message too big", true);
  ASSERT_TRUE(online_on_connection(3));
  EXPECT_EQ(session_->counters().oversized_messages, 1u);
}

TEST_F(session_test, a_frame_that_makes_no_sense_is_counted_and_ignored) {
  hub().assign("a1");
  start();
  ASSERT_TRUE(online_on_connection(1));

  server_.send_text("not json");
  server_.push(json::object{{"jsonrpc", "2.0"}, {"result", {{"type", "weather"}}}});
  server_.reply(server_.last("WSS_Connect"), json::object{});  // answered twice: not ours now
  test::poll(io_);
  EXPECT_EQ(session_->counters().bad_frames, 3u);
  EXPECT_TRUE(session_->online());
  EXPECT_EQ(server_.closes() + server_.aborts(), 0u);
}

TEST_F(session_test, stop_closes_the_link_and_fails_what_waits_for_an_answer) {
  hub().assign("a1");
  start();
  ASSERT_TRUE(online_on_connection(1));
  auto pending = submit(proto::broadcast_command(1, {}));
  test::poll(io_);

  bool stopped = false;
  bool link_was_down = false;
  session_->stop([&] {
    stopped = true;
    link_was_down = !server_.connected();
  });
  ASSERT_TRUE(test::run_until(io_, [&] { return stopped && pending->has_value(); }));
  EXPECT_TRUE(link_was_down);
  EXPECT_EQ(server_.closes(), 1u);
  ASSERT_FALSE(**pending);
  EXPECT_EQ((*pending)->error().code, proto::wssd_error::stopping);
  test::run_for(io_, 150ms);  // past the backoff floor: no new attempt
  EXPECT_EQ(server_.connects(), 1u);
  EXPECT_EQ(session_->state(), session_state::stopped);
}

}  // namespace
}  // namespace wssd
