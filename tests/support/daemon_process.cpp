#include "tests/support/daemon_process.hpp"

#include <boost/json/serialize.hpp>
#include <fstream>
#include <stdexcept>

namespace wssd::test {

namespace json = boost::json;

namespace {

json::object fast_defaults() {
  // Pings stay slow enough that a loaded machine's late pong is not taken for a dead link;
  // the tests about dead links ask for quick ones.
  return {{"ping_interval", 5},
          {"ping_timeout", 5},
          {"connect_timeout", 3},
          {"request_timeout", 10},
          {"backoff",
           {{"base", 0.05}, {"cap", 0.5}, {"reset_after", 1}, {"too_many_connections", 0.5}}}};
}

}  // namespace

void merge_config(json::object& into, const json::object& from) {
  for (const auto& [key, value] : from) {
    auto* existing = into.if_contains(key);
    if (existing && existing->is_object() && value.is_object()) {
      merge_config(existing->as_object(), value.as_object());
    } else {
      into[key] = value;
    }
  }
}

daemon_process::daemon_process(const temp_dir& dir, const std::string& server, json::object config,
                               std::vector<std::string> extra_args,
                               std::map<std::string, std::string> env)
    : socket_(dir / "wssd.sock"),
      state_dir_(dir / "state"),
      config_path_(dir / "wssd.conf"),
      log_path_(dir / "wssd.log"),
      env_(std::move(env)) {
  auto settings = fast_defaults();
  if (!server.empty()) settings["server"] = server;
  merge_config(settings, config);
  std::ofstream(config_path_) << "// written by the test\n" << json::serialize(settings) << "\n";
  argv_ = {WSSD_PATH,  "--config", config_path_, "--bus",        "none",        "--state-dir",
           state_dir_, "--socket", socket_,      "--foreground", "--log-level", "debug"};
  argv_.insert(argv_.end(), extra_args.begin(), extra_args.end());
  start();
}

void daemon_process::start() {
  process_ =
      std::make_unique<child_process>(child_process::options{argv_, env_, log_path_, log_path_});
  eventually([this] { return !process_->running() || client::connect(socket_).has_value(); });
}

client daemon_process::connect() const {
  auto c = client::connect(socket_);
  if (!c) throw std::runtime_error(c.error().what + "\n" + log());
  return std::move(*c);
}

json::object daemon_process::status() const {
  auto c = client::connect(socket_);
  if (!c) return {};
  auto answer = c->call("status", {}, std::chrono::seconds(5));
  if (!answer || !*answer) return {};
  return (**answer).as_object();
}

bool daemon_process::wait_state(const std::string& state, std::chrono::milliseconds limit) const {
  return eventually(
      [&] {
        auto s = status();
        return s.contains("state") && s["state"] == json::value(state);
      },
      limit);
}

std::string daemon_process::private_id() const {
  auto s = status();
  auto* pid = s.if_contains("private_id");
  return pid && pid->is_string() ? std::string(pid->as_string()) : "";
}

command_result run_wssctl(const std::string& socket, std::vector<std::string> args,
                          std::vector<std::string> prefix) {
  temp_dir out;
  std::vector<std::string> argv = std::move(prefix);
  argv.push_back(WSSCTL_PATH);
  argv.push_back("--socket");
  argv.push_back(socket);
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p({argv, {}, out / "out", out / "err"});
  command_result r;
  r.exit_code = p.wait(std::chrono::seconds(20)).value_or(-1);
  r.out = read_file(out / "out");
  r.err = read_file(out / "err");
  return r;
}

}  // namespace wssd::test
