// examples/python/chat.py and examples/node/chat.js against the real wss-hub and wssd: they
// print a peer's message, send what is typed to it (direct and broadcast), resume after wssd
// restarts, replaying the messages they missed while they were away, and send what was typed
// while wssd was down once it is back.
#include <signal.h>

#include "tests/examples/example_fixture.hpp"

namespace wssd::test {
namespace {

struct chat_example {
  std::string name;         // for the test's name
  std::string interpreter;  // looked up on $PATH
  std::string script;       // under examples/
};

// gtest shows the parameter by its name.
void PrintTo(const chat_example& e, std::ostream* out) {
  *out << e.name;
}

class chat_example_test : public example_test, public ::testing::WithParamInterface<chat_example> {
 protected:
  void SetUp() override {
    interpreter_ = find_on_path(GetParam().interpreter);
    if (interpreter_.empty()) {
      GTEST_SKIP() << GetParam().interpreter << " is not on PATH: " << GetParam().script
                   << " is not tested";
    }
    example_test::SetUp();
    ASSERT_TRUE(start_wssd());
    peer_ = join_peer();
    ASSERT_TRUE(peer_);
  }

  // The example, on wssd's socket; true once it printed its first subscribe.
  bool start_example() {
    example_ = std::make_unique<example_process>(
        std::vector<std::string>{interpreter_, example_path(GetParam().script)},
        std::map<std::string, std::string>{{"WSSD_SOCKET", socket()}});
    return example_->wait_for("subscribed seq=");
  }

  // The line it prints for a direct message from the peer carrying the string `data`.
  std::string direct_from_peer(const std::string& data) const {
    return "direct from " + peer_->private_id() + ": \"" + data + "\"";
  }

  example_process& example() { return *example_; }

  std::string interpreter_;
  test_peer* peer_ = nullptr;
  std::unique_ptr<example_process> example_;
};

TEST_P(chat_example_test, prints_a_peers_message_and_sends_what_is_typed) {
  ASSERT_TRUE(start_example()) << example().transcript();

  ASSERT_TRUE(peer_->send_direct(private_id(), "hello from the peer"));
  EXPECT_TRUE(example().wait_for(direct_from_peer("hello from the peer")))
      << example().transcript();

  // "@PID text" is a direct message; JSON is sent as JSON.
  ASSERT_TRUE(example().type("@" + peer_->private_id() + R"( {"move": "e4"})"));
  EXPECT_TRUE(peer_receives(*peer_, "direct", {{"move", "e4"}}));
  EXPECT_TRUE(example().wait_for("ok: direct to " + peer_->private_id())) << example().transcript();

  // Anything else is a broadcast, of a string when it is not JSON.
  ASSERT_TRUE(example().type("hello everyone"));
  EXPECT_TRUE(peer_receives(*peer_, "broadcast", "hello everyone"));
  EXPECT_TRUE(example().wait_for("ok: broadcast")) << example().transcript();

  // An error answer is shown, and the example goes on.
  // (The hub takes a message to a peer it does not know; wssd refuses an id over 1024 bytes.)
  const std::string bad_id(2000, 'x');
  ASSERT_TRUE(example().type("@" + bad_id + " hello?"));
  EXPECT_TRUE(example().wait_for("error: direct to " + bad_id)) << example().transcript();
  ASSERT_TRUE(peer_->send_direct(private_id(), "still there?"));
  EXPECT_TRUE(example().wait_for(direct_from_peer("still there?"))) << example().transcript();
}

TEST_P(chat_example_test, resumes_after_a_wssd_restart_and_replays_what_it_missed) {
  ASSERT_TRUE(start_example()) << example().transcript();
  ASSERT_TRUE(peer_->send_direct(private_id(), "before the restart"));
  ASSERT_TRUE(example().wait_for(direct_from_peer("before the restart"))) << example().transcript();

  // The example is held still while wssd restarts and the peer sends, so that it certainly
  // was away when the messages came: only since+instance can bring them back. They are many,
  // so that the new daemon's seq passes the one the example remembers: without the instance,
  // wssd would take that seq for its own and skip the first of them.
  example().process().signal(SIGSTOP);
  ASSERT_TRUE(restart_wssd());
  ASSERT_TRUE(eventually([&] { return knows_peer(peer_->private_id()); }, patience));
  constexpr int missed = 10;
  for (int i = 1; i <= missed; ++i) {
    ASSERT_TRUE(peer_->send_direct(private_id(), json::value("missed " + std::to_string(i))));
  }
  ASSERT_TRUE(wssd_holds_message(json::value("missed " + std::to_string(missed))));
  example().process().signal(SIGCONT);

  // It reconnects and resumes: the new daemon says its numbering is new, then replays.
  EXPECT_TRUE(example().wait_for("subscribed seq=", 2)) << example().transcript();
  EXPECT_TRUE(example().wait_for(direct_from_peer("missed " + std::to_string(missed))))
      << example().transcript();
  const auto out = example().output();
  EXPECT_EQ(example().count("events lost after seq "), 1u) << out;
  EXPECT_EQ(example().count("daemon restarted"), 1u) << out;
  auto at = out.find("events lost after seq ");
  for (int i = 1; i <= missed; ++i) {  // each one once, in order, after the notice
    const auto line = direct_from_peer("missed " + std::to_string(i));
    EXPECT_EQ(example().count(line), 1u) << line << "\n" << out;
    const auto next = out.find(line);
    EXPECT_LT(at, next) << line << "\n" << out;
    at = next;
  }

  // It goes on receiving and sending after the restart.
  ASSERT_TRUE(peer_->send_direct(private_id(), "after the restart"));
  EXPECT_TRUE(example().wait_for(direct_from_peer("after the restart"))) << example().transcript();
  ASSERT_TRUE(example().type("@" + peer_->private_id() + " back again"));
  EXPECT_TRUE(peer_receives(*peer_, "direct", "back again"));
  EXPECT_EQ(example().count(direct_from_peer("before the restart")), 1u) << out;
}

TEST_P(chat_example_test, sends_a_line_typed_while_wssd_was_down_once_it_is_back) {
  ASSERT_TRUE(start_example()) << example().transcript();
  wssd_->stop();
  ASSERT_TRUE(example().wait_for("cannot reach wssd")) << example().transcript();
  ASSERT_TRUE(example().type("@" + peer_->private_id() + " typed while wssd was down"));
  wssd_->start();
  EXPECT_TRUE(example().wait_for("subscribed seq=", 2)) << example().transcript();
  EXPECT_TRUE(peer_receives(*peer_, "direct", "typed while wssd was down"));
  EXPECT_TRUE(example().wait_for("ok: direct to " + peer_->private_id())) << example().transcript();
}

INSTANTIATE_TEST_SUITE_P(examples, chat_example_test,
                         ::testing::Values(chat_example{"python", "python3", "python/chat.py"},
                                           chat_example{"node", "node", "node/chat.js"}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace wssd::test
