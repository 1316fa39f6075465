// Several identities on one host: two wss-hubs and two wssd run as --instance a and
// --instance b, as wssd@a.service and wssd@b.service run them ($RUNTIME_DIRECTORY,
// $STATE_DIRECTORY, $CONFIGURATION_DIRECTORY pointed into the test's directory, and no --config,
// --socket or --state-dir): each finds NAME.conf, makes NAME.sock and keeps its own private id.
// wssctl -i / WSSD_INSTANCE pick one; wssctl instances lists them.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/common/paths.hpp"
#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

namespace fs = std::filesystem;

std::string fast_config(const std::string& server) {
  return R"({"server": ")" + server + R"(", "ping_interval": 5, "ping_timeout": 5,
  "connect_timeout": 3, "request_timeout": 10,
  "backoff": {"base": 0.05, "cap": 0.5, "reset_after": 1, "too_many_connections": 0.5}})";
}

class instances_test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(hub_a_.start());
    ASSERT_TRUE(hub_b_.start());
    fs::create_directories(dir_ / "etc");
    fs::create_directories(run_dir());  // RuntimeDirectory=wssd: systemd makes it
    std::ofstream(dir_ / "etc/a.conf") << fast_config(hub_a_.ws_url());
    std::ofstream(dir_ / "etc/b.conf") << fast_config(hub_b_.ws_url());
    std::ofstream(dir_ / "etc/wssd.conf") << fast_config(hub_a_.ws_url());
  }

  // What wssd@NAME.service gives the instance (StateDirectory=wssd/NAME), here in dir_.
  std::map<std::string, std::string> unit_env(const std::string& name) const {
    return {{"RUNTIME_DIRECTORY", run_dir()},
            {"STATE_DIRECTORY", dir_ / ("state/" + (name.empty() ? "default" : name))},
            {"CONFIGURATION_DIRECTORY", dir_ / "etc"}};
  }

  // wssd --instance NAME (the default instance for ""), online on its hub.
  std::unique_ptr<child_process> start_instance(const std::string& name) {
    std::vector<std::string> argv{WSSD_PATH,      "--bus",       "none",
                                  "--foreground", "--log-level", "debug"};
    if (!name.empty()) argv.insert(argv.begin() + 1, {"--instance", name});
    const auto log = dir_ / ("wssd-" + (name.empty() ? "default" : name) + ".log");
    auto p =
        std::make_unique<child_process>(child_process::options{argv, unit_env(name), log, log});
    const auto socket = run_dir() + "/" + (name.empty() ? "wssd" : name) + ".sock";
    const bool online = eventually([&] { return state_at(socket) == "online"; });
    EXPECT_TRUE(online) << "instance '" << name << "' is not online:\n" << read_file(log);
    return p;
  }

  static std::string state_at(const std::string& socket) {
    auto c = client::connect(socket);
    if (!c) return "";
    auto a = c->status(std::chrono::seconds(5));
    if (!a || !*a || !(**a).is_object()) return "";
    const auto* s = (**a).as_object().if_contains("state");
    return s && s->is_string() ? std::string(s->as_string()) : "";
  }

  static std::string private_id_at(const std::string& socket) {
    auto c = client::connect(socket);
    if (!c) return "";
    auto a = c->status(std::chrono::seconds(5));
    if (!a || !*a) return "";
    const auto* pid = (**a).as_object().if_contains("private_id");
    return pid && pid->is_string() ? std::string(pid->as_string()) : "";
  }

  // wssctl with the environment a shell in such a unit has: no WSSD_SOCKET, unless given.
  command_result wssctl(std::vector<std::string> args,
                        std::map<std::string, std::string> env = {}) const {
    temp_dir out;
    std::vector<std::string> argv{WSSCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    env.emplace("RUNTIME_DIRECTORY", run_dir());
    child_process p({argv, env, out / "out", out / "err"});
    command_result r;
    r.exit_code = p.wait(std::chrono::seconds(20)).value_or(-1);
    r.out = read_file(out / "out");
    r.err = read_file(out / "err");
    return r;
  }

  std::string run_dir() const { return dir_ / "run"; }

  hub_process hub_a_, hub_b_;
  temp_dir dir_;
};

std::string field(const std::string& status_text, const std::string& key) {
  std::istringstream lines(status_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key + ": ", 0) == 0) return line.substr(key.size() + 2);
  }
  return "";
}

TEST_F(instances_test, two_instances_on_two_hubs_keep_two_identities) {
  auto a = start_instance("a");
  auto b = start_instance("b");
  // The files each derived from its name.
  EXPECT_TRUE(fs::is_socket(run_dir() + "/a.sock"));
  EXPECT_TRUE(fs::is_socket(run_dir() + "/b.sock"));
  const auto pid_a = private_id_at(run_dir() + "/a.sock");
  const auto pid_b = private_id_at(run_dir() + "/b.sock");
  ASSERT_FALSE(pid_a.empty());
  ASSERT_FALSE(pid_b.empty());
  EXPECT_NE(pid_a, pid_b);
  EXPECT_EQ(read_file(dir_ / "state/a/private_id"), pid_a + "\n");
  EXPECT_EQ(read_file(dir_ / "state/b/private_id"), pid_b + "\n");

  // wssctl -i picks the instance; each is on its own hub.
  const auto status_a = wssctl({"-i", "a", "status"});
  ASSERT_EQ(status_a.exit_code, 0) << status_a.err;
  EXPECT_EQ(field(status_a.out, "private_id"), pid_a);
  EXPECT_EQ(field(status_a.out, "server"), hub_a_.ws_url());
  const auto status_b = wssctl({"--instance", "b", "status"});
  ASSERT_EQ(status_b.exit_code, 0) << status_b.err;
  EXPECT_EQ(field(status_b.out, "private_id"), pid_b);
  EXPECT_EQ(field(status_b.out, "server"), hub_b_.ws_url());
  EXPECT_EQ(field(wssctl({"status"}, {{"WSSD_INSTANCE", "b"}}).out, "private_id"), pid_b);
  // --socket and WSSD_SOCKET win over -i and WSSD_INSTANCE.
  EXPECT_EQ(
      field(wssctl({"--socket", run_dir() + "/a.sock", "-i", "b", "status"}).out, "private_id"),
      pid_a);
  EXPECT_EQ(field(wssctl({"-i", "b", "status"}, {{"WSSD_SOCKET", run_dir() + "/a.sock"}}).out,
                  "private_id"),
            pid_a);

  // A peer of hub a is a's alone; what a sends it comes from a's identity.
  test_peer peer;
  ASSERT_TRUE(peer.join(hub_a_.ws_url())) << peer.last_error();
  ASSERT_TRUE(eventually([&] {
    return wssctl({"-i", "a", "peers"}).out.find(peer.private_id()) != std::string::npos;
  }));
  EXPECT_EQ(wssctl({"-i", "b", "peers"}).out.find(peer.private_id()), std::string::npos);
  const auto sent = wssctl({"-i", "a", "send", peer.private_id(), "--", "\"from a\""});
  EXPECT_EQ(sent.exit_code, 0) << sent.err;
  const auto got = peer.wait_push([](const json::object& p) {
    return p.at("type") == json::value("direct") && p.at("data") == json::value("from a");
  });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->at("from"), json::value(pid_a));

  // A restart of a keeps a's identity, found again in its own state directory.
  EXPECT_EQ(a->stop(), 0);
  EXPECT_FALSE(fs::exists(run_dir() + "/a.sock"));
  a = start_instance("a");
  EXPECT_EQ(private_id_at(run_dir() + "/a.sock"), pid_a);
  EXPECT_EQ(private_id_at(run_dir() + "/b.sock"), pid_b);
}

// A socket file nobody listens on, as a wssd killed with SIGKILL leaves.
void leave_dead_socket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << path;
  ::close(fd);
}

TEST_F(instances_test, instances_lists_every_instance_with_its_state) {
  auto a = start_instance("a");
  auto b = start_instance("b");
  auto plain = start_instance("");
  leave_dead_socket(run_dir() + "/c.sock");
  const auto pid_a = private_id_at(run_dir() + "/a.sock");
  const auto pid_b = private_id_at(run_dir() + "/b.sock");
  const auto pid_default = private_id_at(run_dir() + "/wssd.sock");

  const auto listed = wssctl({"--json", "instances"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto all = json::parse(listed.out);
  ASSERT_TRUE(all.is_array()) << listed.out;
  std::vector<json::object> ours;  // /run/wssd may hold others on this machine
  for (const auto& entry : all.as_array()) {
    const std::string socket(entry.at("socket").as_string());
    if (socket.rfind(run_dir() + "/", 0) == 0) ours.push_back(entry.as_object());
  }
  ASSERT_EQ(ours.size(), 4u) << listed.out;
  // The default instance first, then by name.
  EXPECT_EQ(ours[0].at("name"), json::value(nullptr));
  EXPECT_EQ(ours[0].at("private_id"), json::value(pid_default));
  EXPECT_EQ(ours[1].at("name"), json::value("a"));
  EXPECT_EQ(ours[1].at("socket"), json::value(run_dir() + "/a.sock"));
  EXPECT_EQ(ours[1].at("answering"), json::value(true));
  EXPECT_EQ(ours[1].at("state"), json::value("online"));
  EXPECT_EQ(ours[1].at("private_id"), json::value(pid_a));
  EXPECT_EQ(ours[1].at("server"), json::value(hub_a_.ws_url()));
  EXPECT_EQ(ours[2].at("name"), json::value("b"));
  EXPECT_EQ(ours[2].at("private_id"), json::value(pid_b));
  EXPECT_EQ(ours[2].at("server"), json::value(hub_b_.ws_url()));
  EXPECT_EQ(ours[3].at("name"), json::value("c"));
  EXPECT_EQ(ours[3].at("answering"), json::value(false));
  EXPECT_NE(ours[3].at("error").as_string().find("Connection refused"), std::string_view::npos)
      << ours[3];

  // For people: one line each; the dead socket's says why.
  const auto table = wssctl({"instances"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("INSTANCE"), std::string::npos) << table.out;
  const auto line_of = [&](const std::string& socket) {
    std::istringstream lines(table.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(socket) != std::string::npos) return line;
    }
    return std::string();
  };
  const auto line_a = line_of(run_dir() + "/a.sock");
  EXPECT_EQ(line_a.rfind("a ", 0), 0u) << line_a;
  EXPECT_NE(line_a.find(" online "), std::string::npos) << line_a;
  EXPECT_NE(line_a.find(pid_a), std::string::npos) << line_a;
  EXPECT_EQ(line_of(run_dir() + "/wssd.sock").rfind("(default) ", 0), 0u) << table.out;
  const auto line_c = line_of(run_dir() + "/c.sock");
  EXPECT_NE(line_c.find("not answering"), std::string::npos) << line_c;
  EXPECT_NE(line_c.find("Connection refused"), std::string::npos) << line_c;

  // A stopped instance takes its socket along, so it is no longer listed.
  EXPECT_EQ(b->stop(), 0);
  const auto after = wssctl({"instances"});
  EXPECT_EQ(after.out.find(run_dir() + "/b.sock"), std::string::npos) << after.out;
  EXPECT_NE(after.out.find(run_dir() + "/a.sock"), std::string::npos) << after.out;
}

TEST_F(instances_test, bad_instance_names_are_refused_with_a_clear_error) {
  for (const char* name : {"../x", "a/b", "a b", "wssd", ".hidden"}) {
    temp_dir out;
    child_process p({{WSSD_PATH, "--instance", name, "--check-config"}, {}, out / "o", out / "o"});
    EXPECT_EQ(p.wait(std::chrono::seconds(20)), 2) << name;
    EXPECT_NE(read_file(out / "o").find("instance name \"" + std::string(name) + "\""),
              std::string::npos)
        << read_file(out / "o");
    const auto r = wssctl({"-i", name, "status"});
    EXPECT_EQ(r.exit_code, 2) << name << ": " << r.err;
    EXPECT_NE(r.err.find("instance name \"" + std::string(name) + "\""), std::string::npos)
        << r.err;
  }
  const auto from_env = wssctl({"status"}, {{"WSSD_INSTANCE", "a/b"}});
  EXPECT_EQ(from_env.exit_code, 2) << from_env.err;
}

// Without systemd's variables, the instance's files are the system's, named after it.
TEST_F(instances_test, check_config_names_the_instances_own_files) {
  temp_dir out;
  child_process p({{WSSD_PATH, "--instance", "a", "--check-config", "--server", hub_a_.ws_url()},
                   {},
                   out / "o",
                   out / "o"});
  ASSERT_EQ(p.wait(std::chrono::seconds(20)), 0) << read_file(out / "o");
  const auto text = read_file(out / "o");
  EXPECT_NE(text.find("(" + default_config_file("a") + " and flags)"), std::string::npos) << text;
  EXPECT_NE(text.find("socket " + default_socket_path("a") + ", state directory " +
                      default_state_dir("a")),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("instance a, D-Bus name org.wssd.Session1.i_a"), std::string::npos) << text;
  if (::geteuid() == 0) {
    EXPECT_NE(text.find("socket /run/wssd/a.sock, state directory /var/lib/wssd/a"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("(/etc/wssd/a.conf and flags)"), std::string::npos) << text;
  }

  // NAME.conf is read from $CONFIGURATION_DIRECTORY; a missing one is named.
  temp_dir none;
  child_process q({{WSSD_PATH, "--instance", "zz", "--check-config"},
                   {{"CONFIGURATION_DIRECTORY", none.path().string()}},
                   out / "q",
                   out / "q"});
  EXPECT_EQ(q.wait(std::chrono::seconds(20)), 1);
  EXPECT_NE(read_file(out / "q").find("(instance zz: " + (none / "zz.conf") + " does not exist)"),
            std::string::npos)
      << read_file(out / "q");
}

}  // namespace
}  // namespace wssd::test
