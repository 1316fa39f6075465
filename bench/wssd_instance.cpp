#include "bench/wssd_instance.hpp"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "tests/support/daemon_process.hpp"

namespace wssd::bench {

namespace json = boost::json;
using std::chrono::milliseconds;

namespace {

constexpr auto connect_poll = std::chrono::milliseconds(1);

std::string state_of(const json::object& params) {
  const auto* s = params.if_contains("state");
  return s && s->is_string() ? std::string(s->as_string()) : "";
}

// Process groups to kill when the benchmark is interrupted: a fixed array, read by a signal
// handler.
constexpr std::size_t max_children = 64;
std::array<std::atomic<pid_t>, max_children> children{};

void kill_all(int) {
  for (auto& c : children) {
    const pid_t group = c.load();
    if (group > 0) ::kill(-group, SIGKILL);
  }
  static constexpr char message[] = "benchmark interrupted or overdue: its processes were killed\n";
  [[maybe_unused]] auto ignored = ::write(2, message, sizeof(message) - 1);
  ::_exit(3);
}

}  // namespace

void register_child(pid_t process_group) {
  for (auto& c : children) {
    pid_t expected = 0;
    if (c.compare_exchange_strong(expected, process_group)) return;
  }
}

void kill_children_on_signals(std::chrono::seconds deadline) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGALRM}) ::signal(sig, kill_all);
  ::alarm(static_cast<unsigned>(deadline.count()));
}

wssd_instance::wssd_instance(const std::string& server, json::object config,
                             std::vector<std::string> wrapper)
    : socket_(dir_ / "wssd.sock"), config_path_(dir_ / "wssd.conf"), log_path_(dir_ / "wssd.log") {
  json::object settings{{"server", server}};
  test::merge_config(settings, config);
  std::ofstream(config_path_) << json::serialize(settings) << "\n";
  argv_ = std::move(wrapper);
  argv_.insert(argv_.end(), {WSSD_PATH, "--config", config_path_, "--bus", "none", "--state-dir",
                             dir_ / "state", "--socket", socket_, "--foreground"});
}

wssd_instance::~wssd_instance() {
  if (running()) stop(milliseconds(2000));
}

std::chrono::steady_clock::duration wssd_instance::start(
    std::chrono::steady_clock::duration limit) {
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + limit;
  process_ = std::make_unique<test::child_process>(
      test::child_process::options{argv_, {}, log_path_, log_path_});
  register_child(process_->pid());
  const auto overdue = [&] { return std::chrono::steady_clock::now() >= deadline; };
  // The socket first, polled every millisecond...
  std::optional<client> watcher;
  while (!watcher) {
    if (!process_->running()) throw std::runtime_error("wssd exited at start:\n" + log());
    if (overdue()) throw std::runtime_error("wssd's socket did not appear:\n" + log());
    if (auto c = client::connect(socket_)) {
      watcher.emplace(std::move(*c));
    } else {
      std::this_thread::sleep_for(connect_poll);
    }
  }
  // ...then its state events, which arrive as the state changes.
  auto subscribed =
      watcher->call("subscribe", {{"types", json::array{"state"}}}, milliseconds(5000));
  if (!subscribed || !*subscribed) throw std::runtime_error("wssd refused subscribe:\n" + log());
  auto now = watcher->status(milliseconds(5000));
  if (!now || !*now || !(**now).is_object())
    throw std::runtime_error("wssd did not answer status:\n" + log());
  if (state_of((**now).as_object()) != "online") {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    try {
      await_state(*watcher, "online", std::max(left, milliseconds(1)));
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string(e.what()) + ":\n" + log());
    }
  }
  return std::chrono::steady_clock::now() - started;
}

bool wssd_instance::stop(milliseconds grace) {
  if (!process_) return false;
  return process_->stop(grace) == 0;
}

std::string wssd_instance::log() const {
  return test::read_file(log_path_);
}

json::object wssd_instance::status() const {
  auto c = client::connect(socket_);
  if (!c) return {};
  auto answer = c->status(milliseconds(5000));
  if (!answer || !*answer || !(**answer).is_object()) return {};
  return (**answer).as_object();
}

client watch_state(const std::string& socket) {
  auto c = client::connect(socket);
  if (!c) throw std::runtime_error("cannot connect to wssd: " + c.error().what);
  auto subscribed = c->call("subscribe", {{"types", json::array{"state"}}}, milliseconds(5000));
  if (!subscribed || !*subscribed) throw std::runtime_error("wssd refused subscribe");
  return std::move(*c);
}

void await_state(client& watcher, const std::string& state, milliseconds limit, bool not_state) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto event = watcher.next_event(left);
    if (!event)
      throw std::runtime_error("lost wssd while waiting for its state: " + event.error().what);
    if (!*event) break;
    const auto now = state_of(**event);
    if (not_state ? now != state : now == state) return;
  }
  throw std::runtime_error(std::string("wssd did not become ") +
                           (not_state ? "anything but " : "") + state + " in time");
}

bool wssd_accepts(const json::object& config) {
  test::temp_dir dir;
  json::object settings{{"server", "ws://127.0.0.1:1/"}};
  test::merge_config(settings, config);
  std::ofstream(dir / "wssd.conf") << json::serialize(settings) << "\n";
  test::child_process check(
      {{WSSD_PATH, "--config", dir / "wssd.conf", "--bus", "none", "--state-dir", dir / "state",
        "--socket", dir / "wssd.sock", "--check-config"},
       {},
       dir / "out",
       dir / "out"});
  return check.wait(milliseconds(10000)) == 0;
}

}  // namespace wssd::bench
