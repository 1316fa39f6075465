// How wssd comes by its socket: from systemd (socket activation), by binding the path itself
// (replacing a stale socket file), and never taking over a live daemon's socket.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

using startup_test = gateway_test;

// The command line of a wssd that the test starts itself, with its config in `dir`.
std::vector<std::string> wssd_command(const temp_dir& dir, const std::string& server,
                                      const std::string& socket) {
  std::ofstream(dir / "wssd.conf") << json::serialize(json::object{{"server", server}}) << "\n";
  return {WSSD_PATH, "--config",     dir / "wssd.conf", "--bus",
          "none",    "--state-dir",  dir / "state",     "--socket",
          socket,    "--foreground", "--log-level",     "debug"};
}

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

TEST_F(startup_test, wssd_uses_the_socket_systemd_passes) {
  const auto socket = dir_ / "activated.sock";
  auto argv = wssd_command(dir_, hub_.ws_url(), socket);
  argv.insert(argv.begin(), {"/usr/bin/systemd-socket-activate", "-l", socket, "--"});
  child_process activator({argv, {}, dir_ / "log", dir_ / "log"});
  ASSERT_TRUE(eventually([&] { return is_socket(socket); })) << read_file(dir_ / "log");

  const auto status = run_wssctl(socket, {"--json", "status"});
  ASSERT_EQ(status.exit_code, 0) << status.err << read_file(dir_ / "log");
  ASSERT_EQ(json_lines(status.out).size(), 1u) << status.out;
  EXPECT_TRUE(json_lines(status.out)[0].contains("state")) << status.out;
  const auto online = run_wssctl(socket, {"wait-online", "--timeout", "5"});
  EXPECT_EQ(online.exit_code, 0) << online.err;
  EXPECT_NE(read_file(dir_ / "log").find("listening on " + socket + " (socket activation)"),
            std::string::npos)
      << read_file(dir_ / "log");
}

TEST_F(startup_test, a_stale_socket_file_is_replaced) {
  const auto socket = dir_ / "wssd.sock";  // where daemon_process puts it
  ASSERT_TRUE(make_stale_socket(socket));
  ASSERT_TRUE(is_socket(socket));
  ASSERT_FALSE(raw_socket::connect(socket)) << "nobody should listen there";

  ASSERT_TRUE(start_wssd());
  ASSERT_EQ(wssd().socket(), socket);
  auto c = wssd().connect();
  EXPECT_EQ(result_of(c, "status").at("state"), "online");
}

TEST_F(startup_test, a_second_wssd_on_a_live_socket_gives_up_and_leaves_it_alone) {
  ASSERT_TRUE(start_wssd());
  temp_dir other;
  child_process second(
      {wssd_command(other, hub_.ws_url(), wssd().socket()), {}, other / "log", other / "log"});
  EXPECT_EQ(second.wait(patience), 1);
  EXPECT_NE(
      read_file(other / "log").find("another wssd is already listening on " + wssd().socket()),
      std::string::npos)
      << read_file(other / "log");

  EXPECT_TRUE(is_socket(wssd().socket()));
  auto c = wssd().connect();
  EXPECT_EQ(result_of(c, "status").at("state"), "online");
}

TEST_F(startup_test, a_file_that_is_not_a_socket_is_never_replaced) {
  const auto path = dir_ / "wssd.sock";
  std::ofstream(path) << "not a socket\n";
  daemon_process refused(dir_, hub_.ws_url());
  EXPECT_EQ(refused.process().wait(patience), 1);
  EXPECT_NE(refused.log().find(path + " exists and is not a socket; not replacing it"),
            std::string::npos)
      << refused.log();
  EXPECT_EQ(read_file(path), "not a socket\n");
}

}  // namespace
}  // namespace wssd::test
