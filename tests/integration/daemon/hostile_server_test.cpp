// wssd against a server that misbehaves (the scripted server, and the real hub where it can
// show it): requests never answered, errors on every connect, pushes of our own disconnect,
// messages over the limit, pings never answered. wssd stays up, bounded and calm: no loop
// without backoff, no memory without bound, and every caller hears what is known.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "proto/wss_codec.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/scripted_server.hpp"
#include "tests/support/test_peer.hpp"

namespace wssd::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using reply = scripted_server::reply;

// A backoff slow enough that a loop shows as a count, and no reset while a test runs.
const json::object slow_backoff{{"base", 0.5}, {"cap", 5}, {"reset_after", 30}};

proto::rpc_result<json::value> call(client& c, const std::string& method, json::object params,
                                    std::chrono::milliseconds timeout = 10s) {
  auto a = c.call(method, std::move(params), timeout);
  if (!a) {
    ADD_FAILURE() << method << ": " << a.error().what;
    return proto::rpc_error{0, a.error().what, {}};
  }
  return std::move(*a);
}

std::uint64_t counter(const daemon_process& d, const char* group, const char* name) {
  const auto s = d.status();
  const auto* g = s.if_contains(group);
  const auto* v = g && g->is_object() ? g->as_object().if_contains(name) : nullptr;
  return v ? v->to_number<std::uint64_t>() : 0;
}

class hostile_server_test : public ::testing::Test {
 protected:
  // wssd on the scripted server, online.
  daemon_process& start(json::object config = {}) {
    wssd_ = std::make_unique<daemon_process>(dir_, server_.url(), std::move(config));
    EXPECT_TRUE(wssd_->wait_state("online")) << wssd_->log();
    return *wssd_;
  }

  scripted_server server_;
  temp_dir dir_;
  std::unique_ptr<daemon_process> wssd_;
};

TEST_F(hostile_server_test, an_unanswered_request_fails_its_caller_and_the_link_stays) {
  server_.on("Slow_Method", [](const auto&) { return reply::none(); });
  auto& d = start({{"request_timeout", 1}});
  auto c = d.connect();
  const auto began = std::chrono::steady_clock::now();
  const auto a = call(c, "rpc", {{"method", "Slow_Method"}, {"params", json::object{}}});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, -32015) << a.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
  // The link was not taken for dead: no reconnect, and it still carries requests.
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(server_.connections_accepted(), 1u);
  EXPECT_EQ(d.status().at("state"), "online");
  const auto pid = call(c, "rpc", {{"method", "WSS_Session"}, {"params", {{"action", "getPID"}}}});
  EXPECT_TRUE(pid) << pid.error().message;
}

TEST_F(hostile_server_test, object_prototype_method_names_never_reach_the_server) {
  auto& d = start();
  auto c = d.connect();
  while (server_.next_request(100ms)) {
  }  // what wssd sent to come online
  for (const std::string method : {"toString", "constructor", "__proto__", "hasOwnProperty",
                                   "valueOf", "isPrototypeOf", "toLocaleString"}) {
    SCOPED_TRACE(method);
    const auto a = call(c, "rpc", {{"method", method}, {"params", json::object{}}});
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, -32602);
    EXPECT_NE(a.error().message.find("Object.prototype"), std::string::npos) << a.error().message;
  }
  EXPECT_FALSE(server_.next_request(300ms)) << "a refused method reached the server";
}

TEST_F(hostile_server_test, errors_on_every_connect_are_retried_with_backoff) {
  server_.on("WSS_Connect", [](const auto&) { return reply::error(-32603, "Internal error"); });
  daemon_process d(dir_, server_.url(), {{"backoff", {{"base", 0.2}, {"cap", 2}}}});
  std::this_thread::sleep_for(4s);
  const auto attempts = server_.connections_accepted();
  EXPECT_GE(attempts, 2u);
  EXPECT_LE(attempts, 16u) << "wssd retried without backing off";
  EXPECT_TRUE(d.process().running());
}

TEST_F(hostile_server_test, pushes_of_our_own_disconnect_cannot_make_wssd_reconnect_in_a_loop) {
  auto& d = start({{"backoff", slow_backoff}});
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    const auto own = server_.private_id();
    if (!own.empty()) server_.peer_disconnect(own);
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_LE(server_.connections_accepted(), 6u) << "reconnected for every push";
  EXPECT_TRUE(d.process().running());
}

TEST_F(hostile_server_test, a_message_over_max_message_costs_the_link_is_counted_and_named) {
  auto& d = start({{"max_message", 1024 * 1024}});
  ASSERT_TRUE(server_.direct("a-peer", json::string(std::string(2 * 1024 * 1024, 'x'))));
  EXPECT_TRUE(eventually([&] { return counter(d, "counters", "oversized_messages") == 1; }))
      << d.log();
  EXPECT_TRUE(eventually([&] { return server_.connections_accepted() == 2; }));
  EXPECT_TRUE(d.wait_state("online"));
  EXPECT_NE(d.log().find("over max_message"), std::string::npos);
}

TEST_F(hostile_server_test, the_ring_is_bounded_in_bytes) {
  constexpr std::size_t limit = 1024 * 1024;
  auto& d = start({{"event_ring_bytes", limit}});
  auto listener = d.connect();
  ASSERT_TRUE(call(listener, "subscribe", {{"types", json::array{"message"}}}));
  const std::string pad(300 * 1000, 'r');
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(server_.direct("a-peer", {{"i", i}, {"pad", pad}}));
    auto e = listener.next_event(10s);  // a subscriber that keeps up gets every one
    ASSERT_TRUE(e && *e) << "message " << i;
    EXPECT_EQ((**e).at("data").at("i"), i) << json::serialize(**e);
  }
  // What stays is about one limit's worth, not 30 messages.
  EXPECT_LE(counter(d, "ring", "bytes"), limit + pad.size() + 4096);
  EXPECT_LE(counter(d, "ring", "events"), 5u);
}

TEST_F(hostile_server_test, an_unanswered_send_says_it_went_out_and_was_never_answered) {
  server_.on("WSS_Send", [](const auto&) { return reply::none(); });
  auto& d = start({{"request_timeout", 1}});
  auto c = d.connect();
  const auto a = call(c, "broadcast", {{"data", "into the void"}});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, -32015);
  EXPECT_NE(a.error().message.find("sent once, never answered"), std::string::npos)
      << a.error().message;
  EXPECT_EQ(server_.connections_accepted(), 1u);
}

TEST_F(hostile_server_test, a_send_whose_link_is_lost_each_time_says_so_at_its_ttl) {
  scripted_server* server = &server_;
  server_.on("WSS_Send", [server](const auto&) {
    server->drop();
    return reply::none();
  });
  auto& d = start({{"outbox", {{"ttl", 2}}}});
  auto c = d.connect();
  const auto a = call(c, "broadcast", {{"data", "lost with the link"}}, 20s);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, -32011);
  EXPECT_NE(a.error().message.find("never answered: the link was lost each time"),
            std::string::npos)
      << a.error().message;
  EXPECT_EQ(a.error().message.find("not sent"), std::string::npos) << a.error().message;
}

// Each ping used to push the pong deadline back: with a timeout above the interval, a link
// that never pongs was never found dead.
TEST_F(hostile_server_test, a_ping_timeout_above_the_interval_still_finds_a_dead_link) {
  auto& d = start({{"ping_interval", 0.3}, {"ping_timeout", 1}});
  server_.answer_pings(false);
  EXPECT_TRUE(eventually([&] { return server_.connections_accepted() >= 2; }, 6s))
      << "the dead link was never noticed:\n"
      << d.log();
  EXPECT_NE(d.log().find("no pong from the server within 1 s"), std::string::npos);
}

// On the real hub: a peer that takes wssd's id and leaves makes the server announce wssd's
// departure; wssd comes back, but not again and again.
TEST(hub_peer_test, a_peer_that_keeps_taking_our_id_and_leaving_does_not_loop_reconnects) {
  hub_process hub;
  ASSERT_TRUE(hub.start());
  temp_dir dir;
  daemon_process d(dir, hub.ws_url(), {{"backoff", slow_backoff}});
  ASSERT_TRUE(d.wait_state("online")) << d.log();
  const auto own = d.private_id();
  for (int i = 0; i < 10; ++i) {
    test_peer thief;
    if (!thief.join(hub.ws_url())) continue;
    thief.set_private_id(own);
    thief.ws().close();
    std::this_thread::sleep_for(200ms);
  }
  const auto reconnects = d.status().at("reconnects").to_number<std::uint64_t>();
  EXPECT_LE(reconnects, 5u) << d.log();
  EXPECT_TRUE(d.process().running());
}

}  // namespace
}  // namespace wssd::test
