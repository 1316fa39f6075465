#include "tests/examples/example_fixture.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace wssd::test {

std::string example_path(const std::string& name) {
  return std::string(WSSD_EXAMPLES_DIR) + "/" + name;
}

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

example_process::example_process(std::vector<std::string> argv,
                                 std::map<std::string, std::string> env) {
  const auto input = dir_ / "in";
  if (::mkfifo(input.c_str(), 0600) != 0) {
    throw std::runtime_error("mkfifo " + input + ": " + std::strerror(errno));
  }
  // Opened for reading and writing, the FIFO needs no reader yet, and never ends for the
  // example while the test holds it. O_CLOEXEC: the example does not inherit this end.
  input_ = ::open(input.c_str(), O_RDWR | O_CLOEXEC);
  if (input_ < 0) throw std::runtime_error("open " + input + ": " + std::strerror(errno));
  // child_process gives its children /dev/null as input: a shell swaps in the FIFO and execs
  // the example, which keeps the pid (and so the process group the test signals).
  std::vector<std::string> shell{"/bin/sh", "-c", R"(exec "$@" < "$0")", input};
  shell.insert(shell.end(), argv.begin(), argv.end());
  process_ = std::make_unique<child_process>(
      child_process::options{std::move(shell), std::move(env), dir_ / "out", dir_ / "err"});
}

example_process::~example_process() {
  process_.reset();
  if (input_ >= 0) ::close(input_);
}

bool example_process::type(const std::string& line) {
  const auto text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(input_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::size_t example_process::count(const std::string& text) const {
  const auto all = output();
  std::istringstream lines(all.substr(0, all.rfind('\n') + 1));  // complete lines only
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find(text) != std::string::npos) ++n;
  }
  return n;
}

bool example_process::wait_for(const std::string& text, std::size_t times,
                               std::chrono::milliseconds limit) const {
  return eventually([&] { return count(text) >= times; }, limit);
}

std::string example_process::transcript() const {
  return "--- the example's output:\n" + output() + "--- its errors:\n" + errors();
}

command_result run_example(std::vector<std::string> argv, std::map<std::string, std::string> env) {
  temp_dir out;
  child_process p({std::move(argv), std::move(env), out / "out", out / "err"});
  command_result r;
  r.exit_code = p.wait(patience).value_or(-1);
  r.out = read_file(out / "out");
  r.err = read_file(out / "err");
  return r;
}

void example_test::TearDown() {
  if (HasFailure()) std::cerr << "wssd's log:\n" << wssd_log();
}

bool example_test::online() const {
  auto c = client::connect(socket());
  if (!c) return false;
  auto s = c->status(1s);
  return s && *s && (**s).is_object() && (**s).as_object().if_contains("state") &&
         (**s).as_object().at("state") == "online";
}

bool example_test::start_wssd() {
  wssd_ = std::make_unique<daemon_process>(dir_, hub_.ws_url());
  // A wssd that refused to start is not waited for.
  eventually([&] { return !wssd_->process().running() || online(); }, patience);
  if (online()) return true;
  ADD_FAILURE() << "wssd did not come online:\n" << wssd_log();
  return false;
}

bool example_test::start_wssd_on_bus(const std::string& bus_address) {
  // daemon_process runs wssd with --bus none: this one is started by hand, with the same
  // quick timers.
  std::ofstream(dir_ / "wssd.conf") << R"({"ping_interval": 5, "ping_timeout": 5,
    "connect_timeout": 3, "request_timeout": 10,
    "backoff": {"base": 0.05, "cap": 0.5, "reset_after": 1, "too_many_connections": 0.5}})";
  wssd_on_bus_ = std::make_unique<child_process>(child_process::options{
      {WSSD_PATH, "--config", dir_ / "wssd.conf", "--server", hub_.ws_url(), "--bus", "session",
       "--state-dir", dir_ / "state", "--socket", socket(), "--foreground", "--log-level", "debug"},
      {{"DBUS_SESSION_BUS_ADDRESS", bus_address}},
      dir_ / "wssd.log",
      dir_ / "wssd.log"});
  eventually([&] { return !wssd_on_bus_->running() || online(); }, patience);
  if (online()) return true;
  ADD_FAILURE() << "wssd did not come online:\n" << wssd_log();
  return false;
}

bool example_test::restart_wssd() {
  wssd_->stop();
  wssd_->start();
  if (eventually([&] { return online(); }, patience)) return true;
  ADD_FAILURE() << "wssd did not come back online:\n" << wssd_log();
  return false;
}

// Read once wssd is online: while it reconnects, its session holds the id the server just gave
// it until it has claimed its own back.
std::string example_test::private_id() const {
  std::string id;
  eventually(
      [&] {
        auto c = client::connect(socket());
        if (!c) return false;
        auto s = c->status(patience);
        if (!s || !*s || !(**s).is_object()) return false;
        const auto& status = (**s).as_object();
        const auto* state = status.if_contains("state");
        const auto* pid = status.if_contains("private_id");
        if (!state || *state != "online" || !pid || !pid->is_string()) return false;
        id = std::string(pid->as_string());
        return true;
      },
      patience);
  return id;
}

test_peer* example_test::join_peer() {
  auto peer = std::make_unique<test_peer>();
  if (!peer->join(hub_.ws_url())) {
    ADD_FAILURE() << "peer cannot join: " << peer->last_error();
    return nullptr;
  }
  if (!eventually([&] { return knows_peer(peer->private_id()); }, patience)) {
    ADD_FAILURE() << "wssd never listed peer " << peer->private_id();
    return nullptr;
  }
  peers_.push_back(std::move(peer));
  return peers_.back().get();
}

bool example_test::knows_peer(const std::string& private_id) const {
  auto c = client::connect(socket());
  if (!c) return false;
  auto peers = c->call("peers", {}, patience);
  if (!peers || !*peers || !(**peers).is_array()) return false;
  for (const auto& p : (**peers).as_array()) {
    if (p.at("private_id") == json::value(private_id)) return true;
  }
  return false;
}

bool example_test::peer_receives(test_peer& peer, const std::string& kind,
                                 const json::value& data) {
  const auto own_id = private_id();
  const auto push = peer.wait_push(
      [&](const json::object& p) {
        const auto* d = p.if_contains("data");
        return p.at("type") == json::value(kind) && d && *d == data;
      },
      patience);
  if (!push) {
    ADD_FAILURE() << "the peer never got the " << kind << " " << json::serialize(data);
    return false;
  }
  const auto* from = push->if_contains("from");
  if (!from || *from != json::value(own_id)) {
    ADD_FAILURE() << "the " << kind << " came from " << (from ? json::serialize(*from) : "nobody")
                  << ", not from wssd's " << own_id;
    return false;
  }
  return true;
}

bool example_test::wssd_holds_message(const json::value& data) {
  auto connected = client::connect(socket());
  if (!connected) return false;
  auto& c = *connected;
  auto answer = c.call("subscribe", {{"types", json::array{"message"}}, {"since", 0}}, patience);
  if (!answer || !*answer) return false;
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < deadline) {
    auto e = c.next_event(100ms);
    if (!e) return false;
    const auto* d = *e ? (**e).if_contains("data") : nullptr;
    if (d && *d == data) return true;
  }
  return false;
}

}  // namespace wssd::test
