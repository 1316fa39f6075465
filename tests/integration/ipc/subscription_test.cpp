// Subscriptions: filters by type and by peer, replay with `since` (and the events_lost notice
// when the ring no longer holds what was asked for), and unsubscribe.
#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

using subscription_test = gateway_test;

std::uint64_t seq_of(const json::object& event) {
  return event.at("seq").to_number<std::uint64_t>();
}

// wssd's last seq once it reached `at_least`, or what it was when patience ran out.
std::uint64_t wait_for_seq(const daemon_process& d, std::uint64_t at_least) {
  std::uint64_t seq = 0;
  eventually([&] {
    const auto s = d.status();
    seq = s.contains("seq") ? s.at("seq").to_number<std::uint64_t>() : 0;
    return seq >= at_least;
  });
  return seq;
}

TEST_F(subscription_test, subscribe_answers_the_last_seq_and_the_daemon_instance) {
  ASSERT_TRUE(start_wssd());
  auto c = wssd().connect();
  const auto last = wssd().status().at("seq");
  const auto hello = result_of(c, "hello");
  const auto answer = result_of(c, "subscribe");
  EXPECT_EQ(answer.at("seq"), last);
  EXPECT_EQ(hello.at("seq"), last);
  EXPECT_EQ(answer.at("instance"), hello.at("instance"));
  EXPECT_EQ(answer.at("instance").as_string().size(), 16u);
}

TEST_F(subscription_test, a_types_filter_passes_only_those_types) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  subscriber messages(wssd(), {{"types", json::array{"message"}}});

  ASSERT_TRUE(join_peer());  // a peer_connect event, not for this subscriber
  ASSERT_TRUE(peer->send_direct(wssd().private_id(), "hi"));
  const auto e = messages.next();
  ASSERT_TRUE(e);
  EXPECT_TRUE(is_message(*e, "direct", peer->private_id(), "hi")) << json::serialize(*e);
  EXPECT_EQ(seq_of(*e), messages.seq() + 2);  // the peer_connect took the seq before it
  EXPECT_TRUE(messages.nothing_pending());
}

TEST_F(subscription_test, a_peers_filter_drops_other_peers_events_but_not_state_events) {
  ASSERT_TRUE(start_wssd());
  auto* followed = join_peer();
  auto* other = join_peer();
  ASSERT_TRUE(followed && other);
  subscriber one_peer(wssd(), {{"peers", json::array{json::value(followed->private_id())}}});

  ASSERT_TRUE(other->send_direct(wssd().private_id(), "from other"));
  ASSERT_TRUE(other->set_private_id("other-renamed"));
  ASSERT_TRUE(followed->send_direct(wssd().private_id(), "from followed"));
  const auto e = one_peer.next();
  ASSERT_TRUE(e);
  EXPECT_TRUE(is_message(*e, "direct", followed->private_id(), "from followed"))
      << json::serialize(*e);

  auto c = wssd().connect();
  result_of(c, "reconnect");
  const auto state = one_peer.next();
  ASSERT_TRUE(state);
  EXPECT_EQ(state->at("type"), "state") << json::serialize(*state);
  EXPECT_EQ(state->at("state"), "connecting");
}

TEST_F(subscription_test, since_replays_later_events_in_order_with_their_seq) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto start = wssd().status().at("seq").to_number<std::uint64_t>();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(peer->send_direct(wssd().private_id(), i));
  ASSERT_EQ(wait_for_seq(wssd(), start + 3), start + 3);

  subscriber late(wssd(), {{"since", start}});
  EXPECT_EQ(late.seq(), start + 3);
  for (int i = 0; i < 3; ++i) {
    const auto e = late.next();
    ASSERT_TRUE(e);
    EXPECT_TRUE(is_message(*e, "direct", peer->private_id(), i)) << json::serialize(*e);
    EXPECT_EQ(seq_of(*e), start + 1 + i);
  }
  // Live events follow the replay.
  ASSERT_TRUE(peer->send_direct(wssd().private_id(), "live"));
  const auto live = late.next();
  ASSERT_TRUE(live);
  EXPECT_TRUE(is_message(*live, "direct", peer->private_id(), "live")) << json::serialize(*live);
  EXPECT_EQ(seq_of(*live), start + 4);
}

TEST_F(subscription_test, since_older_than_the_ring_first_says_events_were_lost) {
  ASSERT_TRUE(start_wssd({{"event_ring", 16}}));
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto start = wssd().status().at("seq").to_number<std::uint64_t>();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(peer->send_direct(wssd().private_id(), i));
  const auto last = wait_for_seq(wssd(), start + 20);
  ASSERT_EQ(last, start + 20);

  subscriber late(wssd(), {{"since", 1}});
  const auto lost = late.next();
  ASSERT_TRUE(lost);
  EXPECT_EQ(*lost,
            (json::object{{"type", "events_lost"}, {"since", 1}, {"reason", "ring overflow"}}));
  for (std::uint64_t seq = last - 15; seq <= last; ++seq) {
    const auto e = late.next();
    ASSERT_TRUE(e);
    EXPECT_EQ(seq_of(*e), seq);
    EXPECT_TRUE(is_message(*e, "direct", peer->private_id(), static_cast<int>(seq - start - 1)))
        << json::serialize(*e);
  }
  EXPECT_TRUE(late.nothing_pending());
}

TEST_F(subscription_test, since_of_another_instance_is_an_earlier_daemon_even_when_in_range) {
  ASSERT_TRUE(start_wssd());
  const auto last = wssd().status().at("seq").to_number<std::uint64_t>();
  ASSERT_GE(last, 2u);
  subscriber resumed(wssd(), {{"since", 1}, {"instance", "0123456789abcdef"}});
  const auto lost = resumed.next();
  ASSERT_TRUE(lost);
  EXPECT_EQ(*lost,
            (json::object{{"type", "events_lost"}, {"since", 1}, {"reason", "daemon restarted"}}));
  for (std::uint64_t seq = 1; seq <= last; ++seq) {
    const auto e = resumed.next();
    ASSERT_TRUE(e);
    EXPECT_EQ(seq_of(*e), seq);
  }
  EXPECT_TRUE(resumed.nothing_pending());
}

TEST_F(subscription_test, since_beyond_the_last_seq_is_an_earlier_daemon_and_replays_everything) {
  ASSERT_TRUE(start_wssd());
  const auto last = wssd().status().at("seq").to_number<std::uint64_t>();
  subscriber resumed(wssd(), {{"since", last + 100}});
  const auto lost = resumed.next();
  ASSERT_TRUE(lost);
  EXPECT_EQ(*lost,
            (json::object{
                {"type", "events_lost"}, {"since", last + 100}, {"reason", "daemon restarted"}}));
  for (std::uint64_t seq = 1; seq <= last; ++seq) {
    const auto e = resumed.next();
    ASSERT_TRUE(e);
    EXPECT_EQ(seq_of(*e), seq);
  }
  EXPECT_TRUE(resumed.nothing_pending());
}

// A replay streams from the ring as the client reads: however much it is, nothing is dropped
// and the client is not cut off for not taking it all at once.
TEST_F(subscription_test, a_replay_far_larger_than_the_client_queue_arrives_whole) {
  ASSERT_TRUE(
      start_wssd({{"ipc", {{"client_queue", 64 * 1024}, {"client_queue_hard", 256 * 1024}}}}));
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto start = wssd().status().at("seq").to_number<std::uint64_t>();
  const int count = 300;  // 1.5 MB: six times the hard limit
  const std::string pad(5000, 'r');
  for (int i = 0; i < count; ++i) ASSERT_TRUE(peer->broadcast({{"i", i}, {"pad", pad}}));
  ASSERT_EQ(wait_for_seq(wssd(), start + count), start + count);

  subscriber late(wssd(), {{"since", start}, {"types", json::array{"message"}}});
  for (int i = 0; i < count; ++i) {
    const auto e = late.next();
    ASSERT_TRUE(e) << "replay stopped after " << i << " events";
    ASSERT_EQ(e->at("type"), "message") << json::serialize(*e);
    EXPECT_EQ(e->at("data").at("i"), i);
    EXPECT_EQ(seq_of(*e), start + 1 + i);
  }
  ASSERT_TRUE(peer->send_direct(wssd().private_id(), "live"));
  const auto live = late.next();
  ASSERT_TRUE(live);
  EXPECT_TRUE(is_message(*live, "direct", peer->private_id(), "live")) << json::serialize(*live);
}

TEST_F(subscription_test, monitor_since_0_prints_a_replay_of_5_mb_whole) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const int count = 1000;
  const std::string pad(5000, 'm');
  for (int i = 0; i < count; ++i) ASSERT_TRUE(peer->broadcast({{"i", i}, {"pad", pad}}));
  ASSERT_TRUE(eventually(
      [&] { return wssd().status().at("counters").at("messages_in") == json::value(count); }));
  monitor_process monitor(wssd().socket(), {"--since", "0", "--type", "message"});
  ASSERT_TRUE(monitor.wait_for(
      [&](const json::object& e) {
        return e.contains("data") && e.at("data").at("i") == count - 1;
      },
      30s))
      << monitor.errors();
  const auto events = monitor.events();
  ASSERT_EQ(events.size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) EXPECT_EQ(events[i].at("data").at("i"), i);
}

TEST_F(subscription_test, unsubscribe_stops_the_events) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  subscriber leaving(wssd());
  subscriber witness(wssd());

  ASSERT_TRUE(peer->send_direct(wssd().private_id(), "one"));
  ASSERT_TRUE(leaving.next_of("message"));
  ASSERT_TRUE(witness.next_of("message"));
  EXPECT_EQ(result_of(leaving.connection(), "unsubscribe"), json::value(json::object{}));

  ASSERT_TRUE(peer->send_direct(wssd().private_id(), "two"));
  const auto two = witness.next_of("message");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->at("data"), "two");
  EXPECT_TRUE(leaving.nothing_pending());
}

}  // namespace
}  // namespace wssd::test
