#include "tests/integration/dbus/dbus_fixture.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "proto/jsonrpc.hpp"

namespace wssd::test {

namespace {

constexpr const char* bus_name = "org.wssd.Session1";
constexpr const char* object_path = "/org/wssd/Session1";

std::string bus_config(const std::string& socket, const std::string& include) {
  return R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=)" +
         socket + R"(</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
)" + (include.empty() ? "" : "  <include>" + include + "</include>\n") +
         "</busconfig>\n";
}

// wssd's test settings: quick backoff, so returns take well under a second (the tests stop
// the hub outright, so losses show at once; pings stay slow enough for a loaded machine), and
// a short outbox TTL, so that waiting offline expires within a test.
std::string wssd_config() {
  return R"({"ping_interval": 5, "ping_timeout": 5, "connect_timeout": 3, "request_timeout": 10,
  "backoff": {"base": 0.05, "cap": 0.5, "reset_after": 1, "too_many_connections": 0.5},
  "outbox": {"ttl": 2}})";
}

std::vector<std::string> busctl_argv(const std::string& address, std::vector<std::string> args) {
  std::vector<std::string> argv{BUSCTL_PATH, "--address=" + address, "--no-pager", "--timeout=8"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<json::object> json_lines(const std::string& text) {
  std::vector<json::object> out;
  // Only complete lines: busctl may be in the middle of the last one.
  std::istringstream lines(text.substr(0, text.rfind('\n') + 1));
  for (std::string line; std::getline(lines, line);) {
    if (auto object = proto::parse_object(line)) out.push_back(std::move(*object));
  }
  return out;
}

bool is_member(const json::object& m, const char* type, const std::string& member) {
  const auto* t = m.if_contains("type");
  const auto* name = m.if_contains("member");
  return t && *t == json::value(type) && name && *name == json::value(member);
}

}  // namespace

private_bus::private_bus(const temp_dir& dir, const std::string& include) {
  const auto socket = dir / "bus";
  const auto config = dir / "bus.conf";
  std::ofstream(config) << bus_config(socket, include);
  address_ = "unix:path=" + socket;
  process_ = std::make_unique<child_process>(child_process::options{
      {DBUS_DAEMON_PATH, "--config-file=" + config, "--nofork"}, {}, "", dir / "dbus-daemon.log"});
  ready_ = eventually([&] { return std::filesystem::exists(socket); }, patience);
}

command_result run_busctl(const std::string& address, std::vector<std::string> args) {
  temp_dir out;
  child_process p({busctl_argv(address, std::move(args)), {}, out / "out", out / "err"});
  command_result r;
  r.exit_code = p.wait(patience).value_or(-1);
  r.out = read_file(out / "out");
  r.err = read_file(out / "err");
  return r;
}

bus_monitor::bus_monitor(const std::string& address) {
  process_ = std::make_unique<child_process>(child_process::options{
      {BUSCTL_PATH, "--address=" + address, "--no-pager", "--json=short", "monitor", bus_name},
      {},
      output_ / "out",
      output_ / "err"});
  // busctl says so once the bus made it a monitor: from then on nothing is missed.
  ready_ = eventually(
      [&] {
        return read_file(output_ / "err").find("Monitoring bus message stream") !=
               std::string::npos;
      },
      patience);
}

std::vector<json::object> bus_monitor::messages() const {
  return json_lines(read_file(output_ / "out"));
}

std::optional<json::object> bus_monitor::wait_for(
    const std::function<bool(const json::object&)>& match, std::size_t skip,
    std::chrono::milliseconds limit) const {
  std::optional<json::object> found;
  eventually(
      [&] {
        const auto all = messages();
        for (std::size_t i = skip; i < all.size(); ++i) {
          if (match(all[i])) {
            found = all[i];
            return true;
          }
        }
        return false;
      },
      limit);
  return found;
}

std::optional<std::string> bus_monitor::error_for(
    const std::string& member, const std::function<bool(const json::array&)>& match) const {
  const auto call = wait_for([&](const json::object& m) {
    return is_member(m, "method_call", member) && match(arguments(m));
  });
  if (!call) return std::nullopt;
  const auto error = wait_for([&](const json::object& m) {
    return m.at("type") == json::value("error") && m.at("destination") == call->at("sender") &&
           m.at("reply_cookie") == call->at("cookie");
  });
  if (!error) return std::nullopt;
  return std::string(error->at("error_name").as_string());
}

bool is_signal(const json::object& message, const std::string& interface,
               const std::string& member) {
  const auto* i = message.if_contains("interface");
  return is_member(message, "signal", member) && i && *i == json::value(interface);
}

const json::array& arguments(const json::object& message) {
  return message.at("payload").at("data").as_array();
}

void dbus_test::SetUp() {
  bus_ = std::make_unique<private_bus>(dir_);
  ASSERT_TRUE(bus_->ready()) << read_file(dir_ / "dbus-daemon.log");
  monitor_ = std::make_unique<bus_monitor>(bus_->address());
  ASSERT_TRUE(monitor_->ready());
  ASSERT_TRUE(hub_.start());
  wssd_ = start_wssd(dir_);
  ASSERT_TRUE(wait_property("State", "online")) << wssd_log();
}

void dbus_test::TearDown() {
  if (HasFailure() && wssd_) std::cerr << "wssd's log:\n" << wssd_log();
}

std::unique_ptr<child_process> dbus_test::start_wssd(const temp_dir& dir,
                                                     std::vector<std::string> extra,
                                                     std::map<std::string, std::string> env) const {
  return start_wssd_on(hub_, dir, std::move(extra), std::move(env));
}

std::unique_ptr<child_process> dbus_test::start_wssd_on(
    const hub_process& hub, const temp_dir& dir, std::vector<std::string> extra,
    std::map<std::string, std::string> env) const {
  std::ofstream(dir / "wssd.conf") << wssd_config();
  std::vector<std::string> argv{WSSD_PATH,     "--config", dir / "wssd.conf", "--server",
                                hub.ws_url(),  "--bus",    "session",         "--state-dir",
                                dir / "state", "--socket", dir / "wssd.sock", "--foreground",
                                "--log-level", "debug"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  env.emplace("DBUS_SESSION_BUS_ADDRESS", bus_->address());
  return std::make_unique<child_process>(
      child_process::options{argv, env, dir / "wssd.log", dir / "wssd.log"});
}

command_result dbus_test::busctl(std::vector<std::string> args) const {
  return run_busctl(bus_->address(), std::move(args));
}

command_result dbus_test::call(std::vector<std::string> method_and_arguments) const {
  return call_on(bus_name, std::move(method_and_arguments));
}

command_result dbus_test::call_on(const std::string& destination,
                                  std::vector<std::string> method_and_arguments) const {
  std::vector<std::string> args{"--json=short", "call", destination, object_path, bus_name};
  args.insert(args.end(), method_and_arguments.begin(), method_and_arguments.end());
  return busctl(std::move(args));
}

std::unique_ptr<child_process> dbus_test::start_busctl(const temp_dir& output,
                                                       std::vector<std::string> args) const {
  return std::make_unique<child_process>(child_process::options{
      busctl_argv(bus_->address(), std::move(args)), {}, output / "out", output / "err"});
}

std::optional<json::value> dbus_test::property(const std::string& name) const {
  return property_of(bus_name, name);
}

std::optional<json::value> dbus_test::property_of(const std::string& destination,
                                                  const std::string& name) const {
  auto r = busctl({"--json=short", "get-property", destination, object_path, bus_name, name});
  if (r.exit_code != 0) return std::nullopt;
  auto parsed = proto::parse_object(r.out);
  if (!parsed) return std::nullopt;
  return parsed->at("data");
}

std::vector<std::string> dbus_test::bus_names() const {
  auto r = busctl({"--json=short", "list"});
  std::vector<std::string> names;
  json::error_code ec;
  const auto list = json::parse(r.out, ec);
  if (ec || !list.is_array()) return names;
  for (const auto& entry : list.as_array()) {
    const auto* name = entry.is_object() ? entry.as_object().if_contains("name") : nullptr;
    if (name && name->is_string() && !name->as_string().starts_with(":")) {
      names.emplace_back(name->as_string());
    }
  }
  return names;
}

void dbus_test::stop_bus() {
  monitor_.reset();
  bus_->process().stop();
}

bool dbus_test::start_bus() {
  std::filesystem::remove(dir_ / "bus");  // what a killed dbus-daemon would leave
  bus_ = std::make_unique<private_bus>(dir_);
  if (!bus_->ready()) return false;
  monitor_ = std::make_unique<bus_monitor>(bus_->address());
  return monitor_->ready();
}

bool dbus_test::wait_property(const std::string& name, const json::value& value,
                              std::chrono::milliseconds limit) const {
  return eventually([&] { return property(name) == value; }, limit);
}

std::string dbus_test::private_id() const {
  auto pid = property("PrivateID");
  return pid && pid->is_string() ? std::string(pid->as_string()) : "";
}

test_peer* dbus_test::join_peer() {
  auto peer = std::make_unique<test_peer>();
  if (!peer->join(hub_.ws_url())) {
    ADD_FAILURE() << "peer cannot join: " << peer->last_error();
    return nullptr;
  }
  const auto pid = peer->private_id();
  const bool listed = eventually([&] {
    auto peers = property("Peers");
    if (!peers || !peers->is_array()) return false;
    for (const auto& p : peers->as_array()) {
      if (p.as_array().at(0) == json::value(pid)) return true;
    }
    return false;
  });
  if (!listed) {
    ADD_FAILURE() << "wssd's Peers never listed " << pid;
    return nullptr;
  }
  peers_.push_back(std::move(peer));
  return peers_.back().get();
}

}  // namespace wssd::test
