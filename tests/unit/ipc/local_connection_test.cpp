// The lag rules of a subscriber, over a real socket pair: the test reads the client's end (or
// does not) while the event log fills.
#include "ipc/server/local_connection.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tests/support/fake_transport.hpp"
#include "tests/support/local_pair.hpp"

namespace wssd {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

proto::event message_event(int n) {
  return proto::events::message{proto::message_kind::direct, "p1", n};
}

proto::event state_event() {
  return proto::events::state{proto::session_state::online, "a reason"};
}

std::optional<std::uint64_t> seq_of(const json::object& line) {
  const auto* seq = line.at("params").as_object().if_contains("seq");
  if (!seq) return std::nullopt;
  return seq->to_number<std::uint64_t>();
}

std::string type_of(const json::object& line) {
  return std::string(line.at("params").at("type").as_string());
}

class local_connection_test : public ::testing::Test {
 protected:
  local_connection_test() {
    spdlog::set_level(spdlog::level::off);
    config_.client_queue = 1024;
    config_.client_queue_hard = 16 * 1024;
  }

  ~local_connection_test() override {
    if (listener_) log_.unlisten(listener_);
    if (connection_) connection_->close();
    test::poll(io_);  // the connection's handlers end, and with them their hold on it
  }

  // wssd's side of the connection, hearing every event the log appends, as the server has it.
  void connect() {
    connection_ = std::make_shared<local_connection>(
        std::move(pair_.wssd_end()), config_, log_, counters_, peer_credentials{},
        rights{true, true},
        [this](local_connection& c, std::string_view line) {
          if (on_line_) on_line_(c, line);
        },
        [this](local_connection&) { closed_ = true; });
    connection_->start();
    listener_ = log_.listen([this](const event_log::appended& a) { connection_->on_appended(a); });
  }

  void subscribe(std::uint64_t next_seq, proto::event_types types = proto::all_event_types) {
    local_connection::subscription s;
    s.types = types;
    connection_->subscribe(std::move(s), next_seq);
  }

  // Appends while the client does not read; wssd writes what its socket takes.
  std::uint64_t append_unread(const proto::event& e) {
    const auto record = log_.append(e);
    test::poll(io_);
    return record->line.size();
  }

  // Reads, running wssd's side in between, until `done()` holds.
  bool read_until(const std::function<bool()>& done) {
    return test::run_until(
        io_,
        [&] {
          pair_.read_available();
          return done();
        },
        3s);
  }

  const std::vector<json::object>& lines() const { return pair_.lines(); }

  asio::io_context io_;
  test::local_pair pair_{io_};
  ipc_config config_;
  event_log log_{ring_limits{100000, 64 * 1024 * 1024}};
  client_counters counters_;
  std::shared_ptr<local_connection> connection_;
  std::uint64_t listener_ = 0;
  local_connection::line_handler on_line_;
  bool closed_ = false;
};

TEST_F(local_connection_test, a_paused_reader_loses_nothing_the_ring_still_holds) {
  connect();
  subscribe(1);
  for (int i = 0; i < 500; ++i) append_unread(message_event(i));  // ~50 times client_queue
  EXPECT_FALSE(closed_);

  ASSERT_TRUE(read_until([&] { return lines().size() >= 500; }));
  ASSERT_EQ(lines().size(), 500u);
  for (std::size_t i = 0; i < lines().size(); ++i) {
    ASSERT_EQ(seq_of(lines()[i]), i + 1) << json::serialize(lines()[i]);
  }
  EXPECT_FALSE(closed_);
}

TEST_F(local_connection_test, a_reader_that_lost_events_gets_one_lagged_notice_where_the_gap_is) {
  config_.client_queue_hard = 64 * 1024;  // lagging, not yet given up on
  log_.set_limits({20, 64 * 1024 * 1024});
  connect();
  subscribe(1, *proto::type_bit("message"));
  std::uint64_t last_message = 0;
  for (int i = 0; i < 300; ++i) {
    // Odd seqs are messages, even ones states the client does not want.
    if (i % 2 == 0) {
      append_unread(message_event(i));
      last_message = log_.last_seq();
    } else {
      append_unread(state_event());
    }
  }
  ASSERT_TRUE(read_until(
      [&] { return !lines().empty() && seq_of(lines().back()) == std::optional(last_message); }));
  EXPECT_FALSE(closed_);

  std::vector<std::uint64_t> before;
  std::vector<std::uint64_t> after;
  std::vector<std::uint64_t> notices;
  for (const auto& line : lines()) {
    if (type_of(line) == "lagged") {
      notices.push_back(line.at("params").at("dropped").to_number<std::uint64_t>());
      continue;
    }
    ASSERT_EQ(type_of(line), "message") << json::serialize(line);
    (notices.empty() ? before : after).push_back(*seq_of(line));
  }
  ASSERT_EQ(notices.size(), 1u);
  ASSERT_FALSE(before.empty());
  ASSERT_FALSE(after.empty());
  // Every message up to the gap, every one after it, and the notice counts those between.
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(before[i], 1 + 2 * i);
  for (std::size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i], after[0] + 2 * i);
  EXPECT_EQ(after.back(), last_message);
  EXPECT_GT(notices[0], 0u);
  EXPECT_EQ(notices[0], (after.front() - before.back()) / 2 - 1);
  // What the metrics show: one gap, of that many events, and nobody disconnected.
  EXPECT_EQ(counters_.lagged, 1u);
  EXPECT_EQ(counters_.events_dropped, notices[0]);
  EXPECT_EQ(counters_.disconnected_behind, 0u);
}

TEST_F(local_connection_test, a_reader_that_lost_more_than_client_queue_hard_is_disconnected) {
  config_.client_queue_hard = 8 * 1024;
  log_.set_limits({10, 64 * 1024 * 1024});
  connect();
  subscribe(1);
  std::uint64_t appended = 0;
  std::uint64_t line_size = 0;
  while (!closed_ && appended < 5000) {
    line_size = append_unread(state_event());
    ++appended;
  }
  ASSERT_TRUE(closed_);

  ASSERT_TRUE(read_until([&] { return pair_.ended(); }));
  // What it never got bounds what it lost from above: more than client_queue_hard.
  EXPECT_GT((appended - lines().size()) * line_size, config_.client_queue_hard);
  for (const auto& line : lines()) EXPECT_EQ(type_of(line), "state");
  EXPECT_EQ(counters_.disconnected_behind, 1u);
}

TEST_F(local_connection_test, a_replay_of_many_times_client_queue_arrives_whole_and_in_order) {
  for (int i = 0; i < 2000; ++i) log_.append(message_event(i));  // ~200 times client_queue
  connect();
  subscribe(1);
  ASSERT_TRUE(read_until([&] { return lines().size() >= 2000; }));
  ASSERT_EQ(lines().size(), 2000u);
  for (std::size_t i = 0; i < lines().size(); ++i) {
    ASSERT_EQ(seq_of(lines()[i]), i + 1) << json::serialize(lines()[i]);
  }
  EXPECT_FALSE(closed_);
}

TEST_F(local_connection_test, a_lost_notice_comes_before_the_replay) {
  for (int i = 0; i < 3; ++i) log_.append(message_event(i));
  connect();
  connection_->subscribe({}, 1, proto::encode_events_lost_line(7, "daemon restarted"));
  ASSERT_TRUE(read_until([&] { return lines().size() >= 4; }));
  EXPECT_EQ(type_of(lines()[0]), "events_lost");
  EXPECT_EQ(seq_of(lines()[1]), std::optional<std::uint64_t>(1));
  EXPECT_EQ(seq_of(lines()[3]), std::optional<std::uint64_t>(3));
}

TEST_F(local_connection_test, answers_are_never_dropped_for_a_client_that_reads_them) {
  connect();
  const json::value pad(std::string(80, 'x'));
  std::size_t given = 0;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 20; ++i) {  // ~2 KiB at once: over client_queue, never over the hard one
      connection_->expect_answer();
      connection_->answer(static_cast<std::int64_t>(given++), json::object{{"pad", pad}});
    }
    ASSERT_TRUE(read_until([&] { return lines().size() == given; })) << "round " << round;
  }
  for (std::size_t i = 0; i < lines().size(); ++i) {
    ASSERT_EQ(lines()[i].at("id"), json::value(i));
  }
  EXPECT_FALSE(closed_);
}

TEST_F(local_connection_test,
       a_client_that_never_reads_its_answers_is_disconnected_past_the_hard_limit) {
  connect();
  const json::value pad(std::string(150, 'x'));
  std::size_t given = 0;
  for (std::int64_t id = 0; !closed_ && id < 10000; ++id) {
    connection_->expect_answer();
    connection_->answer(id, json::object{{"pad", pad}});
    given += proto::serialize_result(id, json::object{{"pad", pad}}).size() + 1;
    test::poll(io_);
  }
  ASSERT_TRUE(closed_);
  // The socket holds a few KiB; the rest waited in wssd, up to client_queue_hard.
  EXPECT_GT(given, config_.client_queue_hard);
}

TEST_F(local_connection_test, a_half_closed_client_gets_its_answers_then_the_end) {
  // Each request is answered a little later, after wssd has seen the end of the requests.
  std::vector<std::unique_ptr<asio::steady_timer>> later;
  on_line_ = [&](local_connection& c, std::string_view line) {
    const auto id = json::parse(line).at("id");
    c.expect_answer();
    auto& timer = later.emplace_back(std::make_unique<asio::steady_timer>(io_, 20ms));
    timer->async_wait([&c, id, self = c.shared_from_this()](const asio::error_code&) {
      c.answer(id, json::object{{"echo", id}});
    });
  };
  connect();
  pair_.write("{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
  pair_.shutdown_send();

  ASSERT_TRUE(read_until([&] { return pair_.ended(); }));
  ASSERT_EQ(lines().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(lines()[i].at("id"), json::value(i + 1));
  EXPECT_TRUE(closed_);
}

}  // namespace
}  // namespace wssd
