// A wssd process for the benchmark: its config, state directory and socket in a temp dir, the
// production timers unless the config says otherwise, and an optional wrapper command
// (valgrind, strace) in front of it. Unlike tests/support's daemon_process it times its own
// start, to the millisecond.
#pragma once

#include <sys/types.h>

#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ipc/client/client.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace wssd::bench {

class wssd_instance {
 public:
  // `config` is merged over {"server": server}; nothing is started yet.
  wssd_instance(const std::string& server, boost::json::object config,
                std::vector<std::string> wrapper = {});
  ~wssd_instance();
  wssd_instance(const wssd_instance&) = delete;
  wssd_instance& operator=(const wssd_instance&) = delete;

  // Starts wssd and waits until it is online; the time from the spawn until then. Throws
  // std::runtime_error (with the log) if it is not online within `limit`.
  std::chrono::steady_clock::duration start(
      std::chrono::steady_clock::duration limit = std::chrono::seconds(10));
  // SIGTERM (a Close frame to the hub), then SIGKILL after `grace`. False if it did not end
  // with status 0.
  bool stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  bool running() const { return process_ && process_->running(); }

  pid_t pid() const { return process_ ? process_->pid() : -1; }
  const std::string& socket() const { return socket_; }
  std::string log() const;
  boost::json::object status() const;

 private:
  test::temp_dir dir_;
  std::string socket_, config_path_, log_path_;
  std::vector<std::string> argv_;
  std::unique_ptr<test::child_process> process_;
};

// A client subscribed to wssd's state events, and a wait for one state.
client watch_state(const std::string& socket);
// Waits until `watcher` hears `state` (or, with `not_state`, any other state). Throws
// std::runtime_error when it does not come within `limit`.
void await_state(client& watcher, const std::string& state, std::chrono::milliseconds limit,
                 bool not_state = false);

// Whether `wssd --check-config` accepts these keys (merged over a minimal config).
bool wssd_accepts(const boost::json::object& config);

// Signals wssd and every child process group the benchmark registered (here and through
// register_child) on SIGINT, SIGTERM, SIGHUP and SIGALRM, so that an interrupted or overdue
// benchmark leaves nothing running; `deadline` arms the alarm.
void kill_children_on_signals(std::chrono::seconds deadline);
void register_child(pid_t process_group);

}  // namespace wssd::bench
