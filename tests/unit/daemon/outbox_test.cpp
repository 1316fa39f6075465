#include "daemon/service/outbox.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "proto/wssd_errors.hpp"
#include "tests/support/fake_transport.hpp"

namespace wssd {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
using test::fake_hub;
using test::fake_server;

std::int64_t data_of(const fake_server::frame& f) {
  return f.json.at("params").at("data").as_int64();
}

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

class outbox_test : public ::testing::Test {
 protected:
  struct answer {
    std::int64_t n;
    proto::rpc_result<json::value> outcome;
  };

  outbox_test() { spdlog::set_level(spdlog::level::off); }

  // The session is made but not started: it is offline until start().
  void make() {
    session_ = std::make_unique<session>(io_, config_, server_.make_transport(), nullptr, nullptr,
                                         [this](session_state s) { outbox_->on_state(s); });
    outbox_ = std::make_unique<outbox>(io_, *session_, config_.outbox, nullptr, nullptr);
  }

  void start_online() {
    make();
    session_->start();
    ASSERT_TRUE(test::run_until(io_, [&] { return session_->online(); }));
  }

  // A broadcast carrying `n`; its answer is recorded, in the order answers come.
  void submit(std::int64_t n, std::optional<seconds> ttl = {}) {
    outbox_->submit(
        proto::broadcast_command(n, {}),
        [this, n](proto::rpc_result<json::value> r) {
          answers_.push_back({n, std::move(r)});
        },
        ttl);
  }

  std::vector<std::int64_t> sent_data() const {
    std::vector<std::int64_t> out;
    for (const auto& f : server_.requests("WSS_Send")) out.push_back(data_of(f));
    return out;
  }

  asio::io_context io_;
  fake_server server_{io_};
  fake_hub hub_{server_};
  config config_ = test::fast_config();
  std::vector<answer> answers_;
  std::unique_ptr<session> session_;
  std::unique_ptr<outbox> outbox_;
};

TEST_F(outbox_test, commands_go_out_and_are_answered_in_the_order_they_came) {
  start_online();
  for (int n = 0; n < 10; ++n) submit(n);
  test::poll(io_);
  EXPECT_EQ(sent_data(), (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));

  for (const auto& f : server_.requests("WSS_Send")) {
    server_.reply(f, json::object{{"message", "ok"}});
  }
  ASSERT_TRUE(test::run_until(io_, [&] { return answers_.size() == 10; }));
  for (std::size_t i = 0; i < answers_.size(); ++i) {
    EXPECT_EQ(answers_[i].n, static_cast<std::int64_t>(i));
    EXPECT_TRUE(answers_[i].outcome);
  }
  EXPECT_EQ(outbox_->depth(), 0u);
}

TEST_F(outbox_test, commands_submitted_offline_wait_and_go_out_in_order_once_online) {
  hub_.answer_sends(true);
  make();
  for (int n = 0; n < 5; ++n) submit(n);
  test::run_for(io_, 20ms);
  EXPECT_TRUE(answers_.empty());  // waiting, not failed as "offline"
  EXPECT_EQ(outbox_->depth(), 5u);

  session_->start();
  ASSERT_TRUE(test::run_until(io_, [&] { return answers_.size() == 5; }));
  EXPECT_EQ(sent_data(), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  for (const auto& a : answers_) EXPECT_TRUE(a.outcome) << a.n;
  // Nothing went out before the session was established.
  const auto& frames = server_.frames();
  const auto connect = std::find_if(frames.begin(), frames.end(), [](const auto& f) {
    return f.json.at("method") == json::value("WSS_Connect");
  });
  const auto first_send = std::find_if(frames.begin(), frames.end(), [](const auto& f) {
    return f.json.at("method") == json::value("WSS_Send");
  });
  EXPECT_LT(connect - frames.begin(), first_send - frames.begin());
}

TEST_F(outbox_test, a_command_whose_ttl_passes_while_offline_is_not_sent) {
  config_.outbox.ttl = seconds(0.05);
  make();
  const auto submitted_at = clock::now();
  submit(1);
  ASSERT_TRUE(test::run_until(io_, [&] { return !answers_.empty(); }));
  EXPECT_GE(clock::now() - submitted_at, 50ms);
  ASSERT_FALSE(answers_[0].outcome);
  EXPECT_EQ(answers_[0].outcome.error().code, proto::wssd_error::expired);
  EXPECT_TRUE(starts_with(answers_[0].outcome.error().message, "not sent"))
      << answers_[0].outcome.error().message;
  EXPECT_EQ(outbox_->expired(), 1u);
  EXPECT_EQ(outbox_->depth(), 0u);

  session_->start();
  ASSERT_TRUE(test::run_until(io_, [&] { return session_->online(); }));
  test::poll(io_);
  EXPECT_TRUE(server_.requests("WSS_Send").empty());
}

// Each waiting command expires at its own deadline: a later one with a shorter TTL (D-Bus asks
// for at most 20 s) does not wait for the first one's, nor goes out after its caller gave up.
TEST_F(outbox_test, a_shorter_ttl_behind_a_longer_one_still_expires_on_time) {
  make();
  submit(1, seconds(10));
  submit(2, seconds(0.05));
  ASSERT_TRUE(test::run_until(io_, [&] { return !answers_.empty(); }));
  EXPECT_EQ(answers_[0].n, 2);
  ASSERT_FALSE(answers_[0].outcome);
  EXPECT_EQ(answers_[0].outcome.error().code, proto::wssd_error::expired);
  EXPECT_EQ(outbox_->depth(), 1u);
}

TEST_F(outbox_test, a_full_outbox_by_count_refuses_with_queue_full) {
  config_.outbox.max_messages = 2;
  make();
  for (int n = 0; n < 3; ++n) submit(n);
  test::poll(io_);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].n, 2);
  ASSERT_FALSE(answers_[0].outcome);
  EXPECT_EQ(answers_[0].outcome.error().code, proto::wssd_error::queue_full);
  EXPECT_EQ(outbox_->depth(), 2u);
}

TEST_F(outbox_test, a_full_outbox_by_bytes_refuses_with_queue_full) {
  const auto body = proto::broadcast_command(1, {}).body.size();  // each one here is as big
  config_.outbox.max_bytes = body * 2 + body / 2;
  make();
  for (int n = 0; n < 3; ++n) submit(n);
  test::poll(io_);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].n, 2);
  ASSERT_FALSE(answers_[0].outcome);
  EXPECT_EQ(answers_[0].outcome.error().code, proto::wssd_error::queue_full);
  EXPECT_EQ(outbox_->bytes(), body * 2);
}

TEST_F(outbox_test, a_command_in_flight_when_the_link_drops_is_sent_again_and_answered_once) {
  start_online();
  submit(7);
  test::poll(io_);
  ASSERT_EQ(server_.requests("WSS_Send").size(), 1u);

  hub_.answer_sends(true);
  server_.drop();
  ASSERT_TRUE(test::run_until(io_, [&] { return !answers_.empty(); }));
  test::run_for(io_, 20ms);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_TRUE(answers_[0].outcome);
  const auto sends = server_.requests("WSS_Send");
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[1].connection, 2u);
  EXPECT_EQ(data_of(sends[1]), 7);
  EXPECT_EQ(sends[1].json.at("params").at("server_token"), json::value(fake_hub::server_token(2)));
}

TEST_F(outbox_test, a_command_that_lost_every_link_past_its_ttl_says_how_often_it_was_sent) {
  config_.outbox.ttl = seconds(0.15);
  start_online();
  submit(1);
  test::poll(io_);
  server_.drop();  // the retry comes after 0.1 s, within the TTL
  ASSERT_TRUE(test::run_until(io_, [&] { return server_.requests("WSS_Send").size() == 2; }));
  server_.drop();  // the next retry would come after the TTL
  ASSERT_TRUE(test::run_until(io_, [&] { return !answers_.empty(); }));
  ASSERT_FALSE(answers_[0].outcome);
  EXPECT_EQ(answers_[0].outcome.error().code, proto::wssd_error::expired);
  EXPECT_TRUE(starts_with(answers_[0].outcome.error().message, "sent 2 times, never answered"))
      << answers_[0].outcome.error().message;
}

TEST_F(outbox_test, at_most_256_commands_are_on_the_wire_at_once) {
  start_online();
  for (int n = 0; n < 300; ++n) submit(n);
  test::poll(io_);
  auto sends = server_.requests("WSS_Send");
  ASSERT_EQ(sends.size(), 256u);

  server_.reply(sends[0], json::object{{"message", "ok"}});
  test::poll(io_);
  sends = server_.requests("WSS_Send");
  ASSERT_EQ(sends.size(), 257u);
  EXPECT_EQ(data_of(sends.back()), 256);  // the next in line, not any other
}

TEST_F(outbox_test, at_most_4_mib_of_commands_are_on_the_wire_at_once) {
  start_online();
  const json::value big(std::string(1536 * 1024, 'x'));
  for (int n = 0; n < 4; ++n) {
    outbox_->submit(proto::broadcast_command(big, {}), [this, n](proto::rpc_result<json::value> r) {
      answers_.push_back({n, std::move(r)});
    });
  }
  test::poll(io_);
  auto sends = server_.requests("WSS_Send");
  ASSERT_EQ(sends.size(), 2u);  // a third would make 4.5 MiB

  server_.reply(sends[0], json::object{{"message", "ok"}});
  test::poll(io_);
  EXPECT_EQ(server_.requests("WSS_Send").size(), 3u);
}

TEST_F(outbox_test, a_command_never_answered_fails_once_with_timeout_and_is_not_sent_again) {
  config_.request_timeout = seconds(0.05);
  start_online();
  submit(1);
  ASSERT_TRUE(test::run_until(io_, [&] { return !answers_.empty(); }));
  ASSERT_FALSE(answers_[0].outcome);
  EXPECT_EQ(answers_[0].outcome.error().code, proto::wssd_error::timeout);
  EXPECT_TRUE(starts_with(answers_[0].outcome.error().message, "sent once, never answered"))
      << answers_[0].outcome.error().message;
  test::run_for(io_, 20ms);
  EXPECT_EQ(server_.requests("WSS_Send").size(), 1u);
  EXPECT_EQ(answers_.size(), 1u);
}

TEST_F(outbox_test, stop_answers_the_waiting_commands_with_stopping) {
  make();
  submit(1);
  submit(2);
  outbox_->stop();
  submit(3);
  test::poll(io_);
  ASSERT_EQ(answers_.size(), 3u);
  for (std::size_t i = 0; i < answers_.size(); ++i) {
    EXPECT_EQ(answers_[i].n, static_cast<std::int64_t>(i + 1));
    ASSERT_FALSE(answers_[i].outcome);
    EXPECT_EQ(answers_[i].outcome.error().code, proto::wssd_error::stopping);
  }
  EXPECT_EQ(outbox_->depth(), 0u);
}

}  // namespace
}  // namespace wssd
