// examples/shell against the real wss-hub and wssd: subscribe.sh and send.sh over the socket
// (socat and jq), dbus-watch.sh and dbus-send.sh over D-Bus (busctl, jq) on a private bus.
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/examples/example_fixture.hpp"

namespace wssd::test {
namespace {

// The first of `tools` that is not on PATH, or empty.
std::string missing(const std::vector<std::string>& tools) {
  for (const auto& t : tools) {
    if (find_on_path(t).empty()) return t;
  }
  return "";
}

class socket_shell_example_test : public example_test {
 protected:
  void SetUp() override {
    if (const auto tool = missing({"socat", "jq"}); !tool.empty()) {
      GTEST_SKIP() << tool << " is not on PATH (apt-get install " << tool
                   << "): the socat examples are not tested";
    }
    example_test::SetUp();
    ASSERT_TRUE(start_wssd());
    peer_ = join_peer();
    ASSERT_TRUE(peer_);
  }

  std::map<std::string, std::string> env() const { return {{"WSSD_SOCKET", socket()}}; }
  std::unique_ptr<example_process> subscribe(std::vector<std::string> args = {}) {
    std::vector<std::string> argv{"/bin/sh", example_path("shell/subscribe.sh")};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<example_process>(std::move(argv), env());
  }
  command_result send(const std::string& to, const std::string& data) {
    return run_example({"/bin/sh", example_path("shell/send.sh"), to, data}, env());
  }

  test_peer* peer_ = nullptr;
};

TEST_F(socket_shell_example_test, subscribe_prints_a_peers_message) {
  auto watch = subscribe();
  ASSERT_TRUE(watch->wait_for("subscribed seq=")) << watch->transcript();
  ASSERT_TRUE(peer_->send_direct(private_id(), {{"hello", "shell"}}));
  EXPECT_TRUE(watch->wait_for("direct from " + peer_->private_id() + R"(: {"hello":"shell"})"))
      << watch->transcript();
  // It keeps listening after socat's input ended, past the half second socat would wait by
  // default: a later message arrives too.
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(peer_->broadcast("and another"));
  EXPECT_TRUE(watch->wait_for("broadcast from " + peer_->private_id() + R"(: "and another")"))
      << watch->transcript();
}

TEST_F(socket_shell_example_test,
       subscribe_since_replays_and_says_when_the_daemon_is_not_the_same) {
  ASSERT_TRUE(peer_->send_direct(private_id(), "earlier"));
  ASSERT_TRUE(wssd_holds_message("earlier"));
  const auto line = "direct from " + peer_->private_id() + R"(: "earlier")";

  auto replay = subscribe({"0"});
  EXPECT_TRUE(replay->wait_for(line)) << replay->transcript();
  EXPECT_EQ(replay->count("events lost"), 0u) << replay->transcript();

  auto other = subscribe({"1000", "an-earlier-daemon"});
  EXPECT_TRUE(other->wait_for("events lost after seq 1000: daemon restarted"))
      << other->transcript();
  EXPECT_TRUE(other->wait_for(line)) << other->transcript();
}

TEST_F(socket_shell_example_test, send_delivers_from_wssds_private_id) {
  const auto direct = send(peer_->private_id(), R"({"move":"e4"})");
  EXPECT_EQ(direct.exit_code, 0) << direct.err;
  EXPECT_EQ(direct.out, "ok\n");
  EXPECT_TRUE(peer_receives(*peer_, "direct", {{"move", "e4"}}));

  const auto all = send("--all", "hello everyone");
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_TRUE(peer_receives(*peer_, "broadcast", "hello everyone"));
}

TEST_F(socket_shell_example_test, send_reports_an_error_with_status_1) {
  const auto r = send(std::string(2000, 'x'), "too long an id");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  const auto usage = run_example({"/bin/sh", example_path("shell/send.sh"), "only-one"}, env());
  EXPECT_EQ(usage.exit_code, 2);
}

// A dbus-daemon of the test's own: its policy allows everything, becoming a monitor included,
// as tests/integration/dbus's does.
class private_bus {
 public:
  explicit private_bus(const temp_dir& dir, const std::string& dbus_daemon) {
    const auto socket = dir / "bus";
    std::ofstream(dir / "bus.conf") << R"(<!DOCTYPE busconfig PUBLIC
 "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=)" << socket << R"(</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
)";
    address_ = "unix:path=" + socket;
    process_ = std::make_unique<child_process>(child_process::options{
        {dbus_daemon, "--config-file=" + (dir / "bus.conf"), "--nofork"}, {}, "", ""});
    ready_ = eventually([&] { return std::filesystem::exists(socket); }, patience);
  }
  bool ready() const { return ready_; }
  const std::string& address() const { return address_; }

 private:
  std::string address_;
  std::unique_ptr<child_process> process_;
  bool ready_ = false;
};

class dbus_shell_example_test : public example_test {
 protected:
  void SetUp() override {
    if (const auto tool = missing({"busctl", "dbus-daemon", "jq"}); !tool.empty()) {
      GTEST_SKIP() << tool << " is not on PATH: the busctl examples are not tested";
    }
    example_test::SetUp();
    bus_ = std::make_unique<private_bus>(bus_dir_, find_on_path("dbus-daemon"));
    ASSERT_TRUE(bus_->ready());
    // The scripts use `busctl --user`, which honours DBUS_SESSION_BUS_ADDRESS, as wssd does.
    ASSERT_TRUE(start_wssd_on_bus(bus_->address()));
    ASSERT_TRUE(eventually(
        [&] {
          return run_example({find_on_path("busctl"), "--user", "get-property", "org.wssd.Session1",
                              "/org/wssd/Session1", "org.wssd.Session1", "State"},
                             env())
                     .exit_code == 0;
        },
        patience))
        << "wssd never owned org.wssd.Session1";
    peer_ = join_peer();
    ASSERT_TRUE(peer_);
  }

  std::map<std::string, std::string> env() const {
    return {{"DBUS_SESSION_BUS_ADDRESS", bus_->address()}};
  }
  command_result send(const std::string& to, const std::string& data) {
    return run_example({"/bin/sh", example_path("shell/dbus-send.sh"), to, data}, env());
  }

  temp_dir bus_dir_;
  std::unique_ptr<private_bus> bus_;
  test_peer* peer_ = nullptr;
};

TEST_F(dbus_shell_example_test, dbus_watch_prints_a_peers_message_from_the_signal) {
  example_process watch({"/bin/sh", example_path("shell/dbus-watch.sh")}, env());
  // busctl says so once the bus made it a monitor: from then on nothing is missed.
  ASSERT_TRUE(eventually(
      [&] { return watch.errors().find("Monitoring bus message stream") != std::string::npos; },
      patience))
      << watch.transcript();
  ASSERT_TRUE(peer_->send_direct(private_id(), {{"via", "d-bus"}}));
  EXPECT_TRUE(watch.wait_for("direct from " + peer_->private_id() + R"(: {"via":"d-bus"})"))
      << watch.transcript();
}

TEST_F(dbus_shell_example_test, dbus_send_delivers_from_wssds_private_id) {
  const auto direct = send(peer_->private_id(), R"({"move":"e4"})");
  EXPECT_EQ(direct.exit_code, 0) << direct.err;
  EXPECT_EQ(direct.out, "ok\n");
  EXPECT_TRUE(peer_receives(*peer_, "direct", {{"move", "e4"}}));

  const auto all = send("--all", "hello over d-bus");
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_TRUE(peer_receives(*peer_, "broadcast", "hello over d-bus"));

  const auto refused = send(std::string(2000, 'x'), "too long an id");
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_EQ(refused.out, "");
}

}  // namespace
}  // namespace wssd::test
