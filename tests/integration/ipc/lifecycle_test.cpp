// wssd's life cycle as an administrator drives it: SIGTERM answers what is waiting and says
// `stopped`; SIGHUP applies what can change at once and names the rest; a state directory
// is wssd's alone, and what --check-config accepts starts.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

using lifecycle_test = gateway_test;

const std::vector<std::string> as_nobody{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                         "--clear-groups"};

// `wssd --check-config` with `config` (merged over a server on the hub): exit code and stderr.
command_result check_config(const temp_dir& dir, json::object config,
                            std::vector<std::string> prefix = {}) {
  if (!config.contains("server")) config["server"] = "ws://127.0.0.1:1/";
  std::ofstream(dir / "check.conf") << json::serialize(config) << "\n";
  auto argv = std::move(prefix);
  for (const auto& a : std::vector<std::string>{WSSD_PATH, "--config", dir / "check.conf",
                                                "--socket", dir / "check.sock", "--check-config"}) {
    argv.push_back(a);
  }
  child_process p({argv, {}, dir / "check.out", dir / "check.err"});
  return {p.wait(10s).value_or(-1), read_file(dir / "check.out"), read_file(dir / "check.err")};
}

TEST_F(lifecycle_test, sigterm_answers_waiting_commands_and_tells_subscribers_it_stopped) {
  ASSERT_TRUE(start_wssd());
  subscriber watcher(wssd(), {{"types", json::array{"state"}}});
  ASSERT_TRUE(hub_.stop());
  ASSERT_TRUE(watcher.next_of("state"));  // no longer online
  auto waiting = raw_socket::connect(wssd().socket());
  ASSERT_TRUE(waiting);
  ASSERT_TRUE(waiting->send(request_line(1, "broadcast", {{"data", "held in the outbox"}})));
  ASSERT_TRUE(eventually([&] { return wssd().status().at("queue").at("depth") == 1; }));

  wssd().process().signal(SIGTERM);
  const auto answer = read_object(*waiting);
  ASSERT_TRUE(answer) << "the waiting command got no answer:\n" << wssd().log();
  EXPECT_EQ(error_in(*answer), (json::object{{"code", -32017}, {"message", "wssd is stopping"}}));
  std::optional<json::object> stopped;
  while (auto e = watcher.next_of("state")) {
    if (e->at("state") == "stopped") {
      stopped = e;
      break;
    }
  }
  EXPECT_TRUE(stopped) << "subscribers were not told";
  EXPECT_EQ(wssd().process().wait(5s), 0);
}

TEST_F(lifecycle_test, sighup_applies_a_tightened_access_list_at_once) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  ASSERT_TRUE(start_wssd({{"ipc", {{"mode", "0666"}}}}));
  const auto before = run_wssctl(wssd().socket(), {"broadcast", "allowed"}, as_nobody);
  ASSERT_EQ(before.exit_code, 0) << before.err;

  // The same file, now with a send list that leaves nobody out; and a change that cannot
  // apply live.
  auto config =
      json::parse(read_file(dir_ / "wssd.conf").substr(read_file(dir_ / "wssd.conf").find('{')))
          .as_object();
  config["ipc"].as_object()["access"] = {{"send", json::array{"root"}}};
  config["ipc"].as_object()["group"] = "root";
  std::ofstream(dir_ / "wssd.conf") << json::serialize(config) << "\n";
  wssd().process().signal(SIGHUP);
  ASSERT_TRUE(
      eventually([&] { return wssd().log().find("configuration reloaded") != std::string::npos; }));

  const auto after = run_wssctl(wssd().socket(), {"broadcast", "refused"}, as_nobody);
  EXPECT_EQ(after.exit_code, 5) << after.err;
  EXPECT_NE(after.err.find("may not send"), std::string::npos) << after.err;
  EXPECT_NE(wssd().log().find("SIGHUP: ipc.group changed; restart wssd to apply it"),
            std::string::npos)
      << wssd().log();
  EXPECT_EQ(wssd().status().at("state"), "online");
}

TEST_F(lifecycle_test, a_second_wssd_on_the_same_state_directory_refuses_to_start) {
  ASSERT_TRUE(start_wssd());
  temp_dir other;
  std::ofstream(other / "wssd.conf") << json::serialize(json::object{{"server", hub_.ws_url()}});
  child_process second({{WSSD_PATH, "--config", other / "wssd.conf", "--bus", "none", "--state-dir",
                         wssd().state_dir(), "--socket", other / "wssd.sock", "--foreground"},
                        {},
                        other / "log",
                        other / "log"});
  EXPECT_EQ(second.wait(patience), 1);
  EXPECT_NE(read_file(other / "log")
                .find("state directory " + wssd().state_dir() + " is in use by another wssd (pid " +
                      std::to_string(wssd().process().pid()) + ")"),
            std::string::npos)
      << read_file(other / "log");
  EXPECT_EQ(wssd().status().at("state"), "online");
}

TEST_F(lifecycle_test, an_unwritable_state_directory_is_refused_by_check_config_and_at_start) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
  const auto state = dir_ / "root-only";
  std::filesystem::create_directory(state);
  std::filesystem::permissions(state, std::filesystem::perms(0755));
  const auto checked = check_config(dir_, {{"state_dir", state}}, as_nobody);
  EXPECT_EQ(checked.exit_code, 1) << checked.err;
  EXPECT_NE(checked.err.find("state_dir: " + state + " not writable"), std::string::npos)
      << checked.err;
}

TEST_F(lifecycle_test, ids_out_of_range_and_unknown_socket_groups_fail_check_config) {
  const auto huge = check_config(
      dir_, {{"ipc",
              {{"access", {{"read", {"@99999999999999999999"}}, {"send", {"4294967295"}}}},
               {"group", "99999999999999999999"}}}});
  EXPECT_EQ(huge.exit_code, 1);
  EXPECT_NE(huge.err.find("ipc.access.read[0]: group id 99999999999999999999 is out of range"),
            std::string::npos)
      << huge.err;
  EXPECT_NE(huge.err.find("ipc.access.send[0]: user id 4294967295 is out of range"),
            std::string::npos)
      << huge.err;
  EXPECT_NE(huge.err.find("ipc.group: group id 99999999999999999999 is out of range"),
            std::string::npos)
      << huge.err;

  const auto unknown = check_config(dir_, {{"ipc", {{"group", "no-such-group-here"}}}});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("ipc.group: no group no-such-group-here"), std::string::npos)
      << unknown.err;

  const auto empty = check_config(dir_, {{"ipc", {{"access", {{"read", {"@"}}}}}}});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("ipc.access.read[0]: empty group name"), std::string::npos) << empty.err;
}

// A user service gets $STATE_DIRECTORY from systemd as a system service does; only the user
// manager's services have $MANAGERPID. It is a user instance: the session bus, its own paths.
TEST_F(lifecycle_test, a_user_service_with_a_state_directory_is_a_user_instance) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0777));
  std::ofstream(dir_ / "user.conf")
      << json::serialize(json::object{{"server", "ws://127.0.0.1:1/"}});
  std::vector<std::string> argv = as_nobody;
  for (const auto& a : {std::string("/usr/bin/env"), "STATE_DIRECTORY=" + dir_ / "user-state",
                        std::string("MANAGERPID=1"), "XDG_RUNTIME_DIR=" + dir_.path().string(),
                        std::string(WSSD_PATH), std::string("--config"), dir_ / "user.conf",
                        std::string("--check-config")}) {
    argv.push_back(a);
  }
  child_process p({argv, {}, dir_ / "out", dir_ / "err"});
  EXPECT_EQ(p.wait(10s), 0) << read_file(dir_ / "err");
  EXPECT_NE(read_file(dir_ / "out")
                .find("socket " + dir_ / "wssd/wssd.sock" + ", state directory " +
                      dir_ / "user-state" + ", bus session"),
            std::string::npos)
      << read_file(dir_ / "out");
}

}  // namespace
}  // namespace wssd::test
