#include "daemon/service/event_log.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace wssd {
namespace {

namespace json = boost::json;

constexpr ring_limits roomy{1000, 1024 * 1024};

proto::event state_event(std::string reason = "r") {
  return proto::events::state{proto::session_state::online, std::move(reason)};
}

void append_states(event_log& log, int n) {
  for (int i = 0; i < n; ++i) log.append(state_event());
}

TEST(event_log, an_empty_log_starts_at_seq_one) {
  event_log log(roomy);
  EXPECT_EQ(log.last_seq(), 0u);
  EXPECT_EQ(log.first_seq(), 1u);
  EXPECT_EQ(log.at(1), nullptr);
  const auto start = log.resume(0);
  EXPECT_EQ(start.next, 1u);
  EXPECT_FALSE(start.lost);
}

TEST(event_log, numbers_events_from_one_into_their_lines) {
  event_log log(roomy);
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    const auto record = log.append(state_event());
    EXPECT_EQ(record->seq, seq);
    EXPECT_EQ(record->bytes, record->line.size());
    ASSERT_EQ(record->line.back(), '\n');
    EXPECT_EQ(json::parse(record->line).at("params").at("seq"), json::value(seq));
  }
  EXPECT_EQ(log.first_seq(), 1u);
  EXPECT_EQ(log.last_seq(), 3u);
  EXPECT_EQ(log.size(), 3u);
}

TEST(event_log, resume_within_the_ring_starts_right_after_since) {
  event_log log(roomy);
  append_states(log, 5);
  for (std::uint64_t since : {0u, 2u, 5u}) {
    const auto start = log.resume(since, log.instance());
    EXPECT_EQ(start.next, since + 1) << since;
    EXPECT_FALSE(start.lost) << since;
  }
}

TEST(event_log, resume_from_before_the_ring_reports_a_ring_overflow) {
  event_log log({3, roomy.bytes});
  append_states(log, 10);
  ASSERT_EQ(log.first_seq(), 8u);
  const auto overflow = log.resume(6);  // 7 is gone
  EXPECT_EQ(overflow.next, 8u);
  EXPECT_EQ(overflow.lost, std::optional<std::string_view>("ring overflow"));
  const auto just_kept = log.resume(7);
  EXPECT_EQ(just_kept.next, 8u);
  EXPECT_FALSE(just_kept.lost);
}

TEST(event_log, resume_beyond_the_last_seq_means_the_daemon_restarted) {
  event_log log({3, roomy.bytes});
  append_states(log, 5);
  const auto start = log.resume(9);
  EXPECT_EQ(start.next, log.first_seq());
  EXPECT_EQ(start.lost, std::optional<std::string_view>("daemon restarted"));
}

TEST(event_log, resume_with_another_instance_means_the_daemon_restarted) {
  event_log log(roomy);
  event_log earlier(roomy);
  append_states(log, 5);
  ASSERT_FALSE(log.instance().empty());
  ASSERT_NE(log.instance(), earlier.instance());
  const auto start = log.resume(2, earlier.instance());
  EXPECT_EQ(start.next, 1u);
  EXPECT_EQ(start.lost, std::optional<std::string_view>("daemon restarted"));
  EXPECT_EQ(log.resume(2, log.instance()).next, 3u);
}

TEST(event_log, the_oldest_go_past_the_event_limit) {
  event_log log({3, roomy.bytes});
  append_states(log, 5);
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.first_seq(), 3u);
  EXPECT_EQ(log.at(1), nullptr);
  EXPECT_EQ(log.at(2), nullptr);
  ASSERT_NE(log.at(3), nullptr);
  EXPECT_EQ(log.at(3)->seq, 3u);
  EXPECT_EQ(log.at(5)->seq, 5u);
  EXPECT_EQ(log.at(6), nullptr);
}

TEST(event_log, the_oldest_go_past_the_byte_limit) {
  event_log measure(roomy);
  measure.append(state_event());
  const auto one = measure.bytes();  // every event here costs as much

  event_log log({roomy.events, one * 2 + one / 2});
  append_states(log, 5);
  EXPECT_EQ(log.size(), 2u);
  EXPECT_EQ(log.first_seq(), 4u);
  EXPECT_EQ(log.bytes(), one * 2);
}

TEST(event_log, the_newest_stays_even_alone_over_the_byte_limit) {
  event_log log({roomy.events, 100});
  log.append(state_event());
  log.append(state_event(std::string(10000, 'x')));
  EXPECT_EQ(log.size(), 1u);
  ASSERT_NE(log.at(2), nullptr);
  EXPECT_GT(log.bytes(), 100u);
  EXPECT_EQ(log.read(1, 10).size(), 1u);  // only the newest is to be had
}

TEST(event_log, listeners_hear_each_record_with_the_records_it_evicted) {
  event_log log({2, roomy.bytes});
  std::vector<std::uint64_t> heard;
  std::vector<std::vector<std::uint64_t>> evicted;
  const auto token = log.listen([&](const event_log::appended& a) {
    heard.push_back(a.record->seq);
    EXPECT_EQ(proto::type_name(a.event), "state");
    std::vector<std::uint64_t> gone;
    for (const auto& r : a.evicted) gone.push_back(r->seq);
    evicted.push_back(gone);
  });
  append_states(log, 4);
  EXPECT_EQ(heard, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(evicted, (std::vector<std::vector<std::uint64_t>>{{}, {}, {1}, {2}}));

  log.unlisten(token);
  log.append(state_event());
  EXPECT_EQ(heard.size(), 4u);
}

TEST(event_log, a_smaller_ring_lets_the_oldest_go_at_once) {
  event_log log(roomy);
  append_states(log, 10);
  log.set_limits({4, roomy.bytes});
  EXPECT_EQ(log.size(), 4u);
  EXPECT_EQ(log.first_seq(), 7u);
  EXPECT_EQ(log.at(6), nullptr);
}

}  // namespace
}  // namespace wssd
