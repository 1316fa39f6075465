// A client that does not read never slows wssd or anyone else. Its events wait in the ring,
// not in a queue of its own: it loses only what the ring let go before it read it, hears how
// many in one `lagged` notice where they are missing, and once that passes
// ipc.client_queue_hard bytes it is disconnected.
#include <future>

#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

// A window of about 60 messages, a ring of 100.
const json::object small_ring{
    {"event_ring", 100}, {"ipc", {{"client_queue", 64 * 1024}, {"client_queue_hard", 256 * 1024}}}};
const json::object only_messages{{"types", json::array{"message"}}};
constexpr int last_message = -1;  // the `i` of the message that ends a run
constexpr int most_messages = 3000;

// A message of about 1 KiB, numbered.
json::value numbered(int i) {
  return {{"i", i}, {"pad", std::string(1000, 'x')}};
}

int number_of(const json::object& event) {
  return static_cast<int>(event.at("data").at("i").to_number<std::int64_t>());
}

std::vector<int> count_up(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

class slow_client_test : public gateway_test {
 protected:
  virtual json::object config() const { return small_ring; }

  void SetUp() override {
    gateway_test::SetUp();
    ASSERT_TRUE(start_wssd(config()));
    peer_ = join_peer();
    ASSERT_TRUE(peer_);
  }

  // A raw client subscribed to messages, its answer read; what comes next is left unread.
  raw_socket subscribe_raw() {
    auto s = raw_socket::connect(wssd().socket());
    if (!s) throw std::runtime_error("cannot connect to " + wssd().socket());
    EXPECT_TRUE(s->send(request_line(1, "subscribe", only_messages)));
    const auto answer = read_object(*s);
    EXPECT_TRUE(answer && answer->contains("result"));
    if (answer && answer->contains("result")) {
      subscribed_at_ = answer->at("result").at("seq").to_number<std::uint64_t>();
    }
    return std::move(*s);
  }

  // Whether wssd has taken in every message broadcast so far: the hub acknowledges a broadcast
  // before wssd has read it, and one that comes while a client reads would move the ring on.
  bool wssd_has_every_message() const {
    return eventually([&] {
      const auto seq = wssd().status().at("seq").to_number<std::uint64_t>();
      return seq >= subscribed_at_ + static_cast<std::uint64_t>(next_);
    });
  }

  // Broadcasts numbered messages from `next_` on until `enough` holds (asked every 10
  // messages) or `most_messages` went out; whether `enough` came true.
  bool broadcast_until(const std::function<bool()>& enough) {
    while (next_ < most_messages) {
      if (!peer_->broadcast(numbered(next_++))) return false;
      if (next_ % 10 == 0 && enough()) return true;
    }
    return false;
  }

  bool log_says(const std::string& text) const {
    return wssd().log().find(text) != std::string::npos;
  }

  test_peer* peer_ = nullptr;
  int next_ = 0;                     // the number of the next message
  std::uint64_t subscribed_at_ = 0;  // the seq the raw client's subscription started after
};

// The numbers of the messages a subscribed client reads until the last one.
std::future<std::vector<int>> collect_messages(client c) {
  return std::async(std::launch::async, [c = std::move(c)]() mutable {
    std::vector<int> seen;
    while (true) {
      auto e = c.next_event(patience);
      if (!e || !*e) return seen;  // the test fails on what is missing
      if ((**e).at("type") != "message") continue;
      const int i = number_of(**e);
      if (i == last_message) return seen;
      seen.push_back(i);
    }
  });
}

TEST_F(slow_client_test, a_client_that_never_reads_is_disconnected_and_others_get_everything) {
  auto stalled = subscribe_raw();
  auto reader = wssd().connect();
  ASSERT_TRUE(result_of(reader, "subscribe", only_messages).is_object());
  auto seen = collect_messages(std::move(reader));

  ASSERT_TRUE(broadcast_until([&] { return log_says("stopped reading: disconnected"); }))
      << "still connected after " << next_ << " messages\n"
      << wssd().log();
  const int sent = next_;
  ASSERT_TRUE(peer_->broadcast({{"i", last_message}}));

  EXPECT_EQ(seen.get(), count_up(0, sent));
  // What the kernel still held for it can be read, and then the connection ends.
  EXPECT_TRUE(stalled.read_to_eof(patience));
  EXPECT_EQ(wssd().status().at("state"), "online");
}

TEST_F(slow_client_test, a_client_behind_the_ring_hears_how_many_events_it_lost_where) {
  auto paused = subscribe_raw();
  ASSERT_TRUE(broadcast_until([&] { return log_says("is lagging: it lost events"); }))
      << wssd().log();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(peer_->broadcast(numbered(next_++)));
  const int sent = next_;
  ASSERT_TRUE(wssd_has_every_message()) << wssd().log();
  ASSERT_FALSE(log_says("stopped reading")) << "the hard limit was not to be reached";

  // Now it reads: the messages already handed to its socket, in order, then one lagged
  // notice, then what the ring still held, up to the last one.
  std::vector<int> kept;
  std::optional<json::object> notice;
  while (!notice) {
    const auto e = read_object(paused);
    ASSERT_TRUE(e) << "no lagged notice after " << kept.size() << " messages";
    const auto& params = e->at("params").as_object();
    if (params.at("type") == "lagged") {
      notice = params;
    } else {
      kept.push_back(number_of(params));
    }
  }
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept, count_up(0, static_cast<int>(kept.size())));
  ASSERT_TRUE(notice->contains("dropped"));
  const int dropped = static_cast<int>(notice->at("dropped").to_number<std::int64_t>());
  EXPECT_EQ(*notice, (json::object{{"type", "lagged"}, {"dropped", dropped}}));
  EXPECT_GE(dropped, 20);
  for (int i = static_cast<int>(kept.size()) + dropped; i < sent; ++i) {
    const auto e = read_object(paused);
    ASSERT_TRUE(e);
    EXPECT_EQ(number_of(e->at("params").as_object()), i) << json::serialize(*e);
  }

  // Live events follow.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(peer_->broadcast(numbered(next_++)));
  for (int i = sent; i < sent + 5; ++i) {
    const auto e = read_object(paused);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->at("params").at("type"), "message") << json::serialize(*e);
    EXPECT_EQ(number_of(e->at("params").as_object()), i);
  }
}

class slow_reader_test : public slow_client_test {
 protected:
  json::object config() const override {
    return {{"ipc", {{"client_queue", 64 * 1024}, {"client_queue_hard", 256 * 1024}}}};
  }
};

// Far more than its queue, all of it still in the ring: nothing is lost.
TEST_F(slow_reader_test, a_client_that_pauses_loses_nothing_the_ring_still_holds) {
  auto paused = subscribe_raw();
  const int sent = 1000;  // 1 MB: sixteen queues' worth, four hard limits
  for (int i = 0; i < sent; ++i) ASSERT_TRUE(peer_->broadcast(numbered(next_++)));
  for (int i = 0; i < sent; ++i) {
    const auto e = read_object(paused);
    ASSERT_TRUE(e) << "message " << i << " never came";
    ASSERT_EQ(e->at("params").at("type"), "message") << json::serialize(*e);
    EXPECT_EQ(number_of(e->at("params").as_object()), i);
  }
  EXPECT_FALSE(log_says("lagging"));
}

TEST_F(slow_client_test, answers_are_never_dropped_a_client_that_never_reads_them_is_let_go) {
  auto deaf = raw_socket::connect(wssd().socket());
  ASSERT_TRUE(deaf);
  auto bystander = wssd().connect();
  // Batches of hello requests until wssd gives up on the client (it then stops taking them).
  int requests = 0;
  bool let_go = false;
  while (!let_go && requests < 100000) {
    std::string batch;
    for (int i = 0; i < 100; ++i) batch += request_line(++requests, "hello");
    let_go = !deaf->send(batch) ||
             (requests % 2000 == 0 && log_says("does not read its answers: disconnected"));
  }
  ASSERT_TRUE(let_go) << "still connected after " << requests << " requests";
  EXPECT_TRUE(eventually([&] { return log_says("does not read its answers: disconnected"); }));

  // Every answer it got is there, in order, none skipped; then the connection ends.
  const auto rest = deaf->read_to_eof(patience);
  ASSERT_TRUE(rest);
  const auto answers = json_lines(*rest);
  ASSERT_FALSE(answers.empty());
  for (std::size_t i = 0; i < answers.size(); ++i) {
    ASSERT_EQ(answers[i].at("id"), i + 1) << json::serialize(answers[i]);
  }
  EXPECT_EQ(result_of(bystander, "status").at("state"), "online");
}

}  // namespace
}  // namespace wssd::test
