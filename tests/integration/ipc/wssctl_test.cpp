// wssctl against a real wssd: verbs, --json output, exit codes (0 ok, 1 failure, 2 usage,
// 3 timeout, 4 unreachable, 5 denied) and a monitor that outlives daemon restarts.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

using wssctl_test = gateway_test;

bool is_restart_notice(const json::object& e) {
  return e.at("type") == "events_lost" && e.at("reason") == "daemon restarted";
}

// The events a monitor printed after the first one that satisfies `match`.
std::vector<json::object> after(const std::vector<json::object>& events,
                                const std::function<bool(const json::object&)>& match) {
  const auto found = std::find_if(events.begin(), events.end(), match);
  return found == events.end() ? std::vector<json::object>{}
                               : std::vector<json::object>(std::next(found), events.end());
}

// What a daemon that is going away looks like from outside: a listener at the socket path that
// accepts connections and closes them without a word. Counts the connections it took.
class dying_listener {
 public:
  explicit dying_listener(const std::string& path) : path_(path) {
    ::unlink(path.c_str());
    fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    ok_ = fd_ && ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
          ::listen(fd_.get(), 16) == 0;
    if (ok_) thread_ = std::thread([this] { run(); });
  }
  ~dying_listener() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool ok() const { return ok_; }
  int accepted() const { return accepted_; }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      unique_fd client(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (client) ++accepted_;
    }
  }

  std::string path_;
  unique_fd fd_;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

TEST_F(wssctl_test, wait_online_succeeds_when_online_and_times_out_when_the_hub_is_down) {
  ASSERT_TRUE(start_wssd());
  const auto online = run_wssctl(wssd().socket(), {"wait-online", "--timeout", "5"});
  EXPECT_EQ(online.exit_code, 0) << online.err;

  ASSERT_TRUE(hub_.stop());
  ASSERT_TRUE(eventually([&] { return wssd().status().at("state") != "online"; }));
  const auto down = run_wssctl(wssd().socket(), {"wait-online", "--timeout", "1"});
  EXPECT_EQ(down.exit_code, 3) << down.err;
  EXPECT_NE(down.err.find("wssd is not online after 1"), std::string::npos) << down.err;
}

TEST_F(wssctl_test, an_unreachable_daemon_exits_4_with_a_json_error) {
  const auto r = run_wssctl(dir_ / "nobody-here.sock", {"--json", "status"});
  EXPECT_EQ(r.exit_code, 4);
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  const auto& error = lines[0].at("error").as_object();
  EXPECT_EQ(error.at("exit"), 4);
  EXPECT_EQ(error.at("message"),
            json::value("cannot connect to wssd at " + dir_ / "nobody-here.sock" +
                        ": No such file or directory"));
}

TEST_F(wssctl_test, a_refused_request_exits_1_with_the_json_rpc_error) {
  ASSERT_TRUE(start_wssd());
  const auto r = run_wssctl(wssd().socket(), {"--json", "rpc", "WSS_Connect"});
  EXPECT_EQ(r.exit_code, 1);
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  EXPECT_EQ(lines[0].at("error").at("data"),
            (json::value{{"code", -32602}, {"message", "WSS_Connect is wssd's own business"}}));
}

TEST_F(wssctl_test, usage_errors_exit_2) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"send"}, {"send", "only-a-pid"}, {"frobnicate"}, {"monitor", "--type", "bogus"}}) {
    const auto r = run_wssctl(dir_ / "unused.sock", args);
    EXPECT_EQ(r.exit_code, 2) << json::serialize(json::value_from(args)) << ": " << r.err;
  }
}

TEST_F(wssctl_test, set_pid_changes_the_private_id_for_everyone) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto old_id = wssd().private_id();

  const auto r = run_wssctl(wssd().socket(), {"set-pid", "table-7-dealer"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "table-7-dealer\n");
  const auto change = peer->wait_push([](const json::object& p) { return p.contains("change"); });
  ASSERT_TRUE(change);
  EXPECT_EQ(change->at("change"),
            (json::value{{"newPrivateID", "table-7-dealer"}, {"oldPrivateID", old_id}}));

  const auto status = run_wssctl(wssd().socket(), {"--json", "status"});
  ASSERT_EQ(json_lines(status.out).size(), 1u) << status.out;
  EXPECT_EQ(json_lines(status.out)[0].at("private_id"), "table-7-dealer");
}

TEST_F(wssctl_test, peers_lists_the_peers_with_their_options) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer({{"wss", true}, {"seat", 3}});
  ASSERT_TRUE(peer);
  const auto text = run_wssctl(wssd().socket(), {"peers"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, peer->private_id() + R"( {"wss":true,"seat":3})" + "\n");

  const auto as_json = run_wssctl(wssd().socket(), {"--json", "peers"});
  EXPECT_EQ(as_json.exit_code, 0) << as_json.err;
  EXPECT_EQ(json::parse(as_json.out),
            json::value(json::array{json::object{{"private_id", peer->private_id()},
                                                 {"options", {{"wss", true}, {"seat", 3}}}}}));
}

TEST_F(wssctl_test, monitor_goes_on_across_a_daemon_restart) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto own_id = wssd().private_id();
  monitor_process monitor(wssd().socket(), {"--since", "0"});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(peer->send_direct(own_id, i));
  ASSERT_TRUE(monitor.wait_for([&](const json::object& e) {
    return is_message(e, "direct", peer->private_id(), 2);
  })) << monitor.errors();

  ASSERT_EQ(wssd().stop(), 0);
  wssd().start();
  ASSERT_TRUE(eventually([&] {
    return wssd().status().at("state") == "online" && wssd().private_id() == own_id;
  })) << wssd().log();
  ASSERT_TRUE(peer->send_direct(own_id, "after the restart"));

  ASSERT_TRUE(monitor.wait_for([&](const json::object& e) {
    return is_message(e, "direct", peer->private_id(), "after the restart");
  })) << monitor.errors();
  EXPECT_TRUE(monitor.process().running());
  const auto since_restart = after(monitor.events(), is_restart_notice);
  EXPECT_TRUE(std::any_of(since_restart.begin(), since_restart.end(),
                          [&](const json::object& e) {
                            return is_message(e, "direct", peer->private_id(), "after the restart");
                          }))
      << "no restart notice before the new daemon's message:\n"
      << monitor.output();
}

// After kill -9 the socket is left behind, and a restarting daemon may take connections it
// never answers: the monitor keeps trying, not too often, and picks up the new daemon.
TEST_F(wssctl_test, monitor_survives_a_crash_and_a_listener_that_never_answers) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto own_id = wssd().private_id();
  monitor_process monitor(wssd().socket(), {"--since", "0", "--type", "message"});
  ASSERT_TRUE(peer->send_direct(own_id, "before"));
  ASSERT_TRUE(monitor.wait_for([&](const json::object& e) {
    return is_message(e, "direct", peer->private_id(), "before");
  })) << monitor.errors();

  wssd().process().signal(SIGKILL);
  ASSERT_TRUE(wssd().process().wait(5s));
  {
    dying_listener dying(wssd().socket());
    ASSERT_TRUE(dying.ok());
    std::this_thread::sleep_for(3s);
    EXPECT_TRUE(monitor.process().running()) << monitor.errors();
    EXPECT_GE(dying.accepted(), 1);
    EXPECT_LE(dying.accepted(), 10) << "the monitor retried without backing off";
  }
  wssd().start();
  ASSERT_TRUE(eventually([&] {
    return wssd().status().at("state") == "online" && wssd().private_id() == own_id;
  })) << wssd().log();
  ASSERT_TRUE(peer->send_direct(own_id, "after the crash"));
  EXPECT_TRUE(monitor.wait_for(
      [&](const json::object& e) {
        return is_message(e, "direct", peer->private_id(), "after the crash");
      },
      20s))
      << monitor.errors();
}

// A monitor that resumes after the new daemon already numbered more events than the old one
// had must still notice the restart and miss none of the new daemon's events.
TEST_F(wssctl_test, monitor_misses_nothing_when_the_new_daemon_is_already_further_along) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto own_id = wssd().private_id();
  monitor_process monitor(wssd().socket(), {"--since", "0", "--type", "message"});
  ASSERT_TRUE(peer->send_direct(own_id, "before"));
  ASSERT_TRUE(monitor.wait_for([&](const json::object& e) {
    return is_message(e, "direct", peer->private_id(), "before");
  })) << monitor.errors();

  monitor.process().signal(SIGSTOP);
  ASSERT_EQ(wssd().stop(), 0);
  wssd().start();
  ASSERT_TRUE(eventually([&] {
    return wssd().status().at("state") == "online" && wssd().private_id() == own_id;
  })) << wssd().log();
  const int count = 20;  // more events than the first daemon ever had
  for (int i = 0; i < count; ++i) ASSERT_TRUE(peer->send_direct(own_id, i));
  monitor.process().signal(SIGCONT);

  ASSERT_TRUE(monitor.wait_for([&](const json::object& e) {
    return is_message(e, "direct", peer->private_id(), count - 1);
  })) << monitor.errors();
  const auto events = monitor.events();
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), is_restart_notice))
      << "the monitor was not told of the restart:\n"
      << monitor.output();
  for (int i = 0; i < count; ++i) {
    EXPECT_TRUE(std::any_of(
        events.begin(), events.end(),
        [&](const json::object& e) { return is_message(e, "direct", peer->private_id(), i); }))
        << "the new daemon's message " << i << " never reached the monitor";
  }
}

}  // namespace
}  // namespace wssd::test
