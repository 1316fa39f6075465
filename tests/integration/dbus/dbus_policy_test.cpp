// The shipped system bus policy (systemd/org.wssd.Session1.conf) on a dbus-daemon of the
// test's own, included after an allow-all policy: dbus-daemon accepts it, and its *_prefix
// rules cover an instance's name as they cover the default one's. Root may own and call
// org.wssd.Session1.i_a; user nobody (not in group wssd) may do neither.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/dbus/dbus_fixture.hpp"

namespace wssd::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* instance_name = "org.wssd.Session1.i_a";
constexpr unsigned nobody = 65534;

std::vector<std::string> as_nobody(std::vector<std::string> argv) {
  const auto id = std::to_string(nobody);
  argv.insert(argv.begin(),
              {"/usr/bin/setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups"});
  return argv;
}

std::vector<std::string> wssd_argv(const hub_process& hub, const fs::path& dir,
                                   const std::string& instance) {
  std::ofstream(dir / "empty.conf") << "{}";
  return {WSSD_PATH,          "--instance",   instance,      "--config",
          dir / "empty.conf", "--server",     hub.ws_url(),  "--bus",
          "session",          "--state-dir",  dir / "state", "--socket",
          dir / "wssd.sock",  "--foreground", "--log-level", "debug"};
}

TEST(dbus_policy_test, the_policy_covers_every_instances_name) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to run wssd and busctl as user nobody";
  temp_dir dir;
  fs::permissions(dir.path(), fs::perms(0755));  // nobody must reach the bus socket
  private_bus bus(dir, WSSD_DBUS_POLICY);
  ASSERT_TRUE(bus.ready()) << read_file(dir / "dbus-daemon.log");
  hub_process hub;
  ASSERT_TRUE(hub.start());
  const std::map<std::string, std::string> env{{"DBUS_SESSION_BUS_ADDRESS", bus.address()}};

  // Root owns an instance's name (own_prefix) and may call it (send_destination_prefix).
  fs::create_directories(dir / "a");
  child_process a({wssd_argv(hub, dir / "a", "a"), env, dir / "a.log", dir / "a.log"});
  const auto state = [&](const std::vector<std::string>& prefix) {
    std::vector<std::string> args{"--json=short",       "get-property",      instance_name,
                                  "/org/wssd/Session1", "org.wssd.Session1", "State"};
    args.insert(args.begin(), prefix.begin(), prefix.end());
    return run_busctl(bus.address(), args);
  };
  ASSERT_TRUE(
      eventually([&] { return state({}).out.find("online") != std::string::npos; }, patience))
      << read_file(dir / "a.log") << read_file(dir / "dbus-daemon.log");

  // Nobody may not call it...
  temp_dir out;
  child_process call({as_nobody({BUSCTL_PATH, "--address=" + bus.address(), "--no-pager",
                                 "--timeout=8", "get-property", instance_name, "/org/wssd/Session1",
                                 "org.wssd.Session1", "State"}),
                      {},
                      out / "out",
                      out / "err"});
  EXPECT_NE(call.wait(patience), 0);
  EXPECT_NE(read_file(out / "err").find("Access denied"), std::string::npos)
      << read_file(out / "err");

  // ... nor own another instance's name.
  const auto b = dir / "b";
  fs::create_directories(b);
  ASSERT_EQ(::chown(b.c_str(), nobody, nobody), 0);
  child_process refused({as_nobody(wssd_argv(hub, b, "b")), env, dir / "b.log", dir / "b.log"});
  EXPECT_EQ(refused.wait(patience), 1) << read_file(dir / "b.log");
  const auto log = read_file(dir / "b.log");
  EXPECT_NE(log.find("cannot own D-Bus name org.wssd.Session1.i_b on the session bus"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("the bus policy must allow it"), std::string::npos) << log;
  EXPECT_TRUE(a.running());
}

}  // namespace
}  // namespace wssd::test
