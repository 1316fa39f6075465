// A real wssd process for tests: its own config file, state directory and socket in a temp
// dir, quick timers, and a client to talk to it.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <vector>

#include "ipc/client/client.hpp"
#include "tests/support/child_process.hpp"

namespace wssd::test {

// Merges `from` into `into`, object members recursively: a test's config over the defaults.
void merge_config(boost::json::object& into, const boost::json::object& from);

class daemon_process {
 public:
  // `config` is merged over fast test defaults (short pings and backoff); `extra_args` follow.
  daemon_process(const temp_dir& dir, const std::string& server, boost::json::object config = {},
                 std::vector<std::string> extra_args = {},
                 std::map<std::string, std::string> env = {});

  void start();
  std::optional<int> stop() { return process_->stop(); }
  child_process& process() { return *process_; }

  const std::string& socket() const { return socket_; }
  const std::string& state_dir() const { return state_dir_; }
  std::string log() const { return read_file(log_path_); }

  client connect() const;
  boost::json::object status() const;
  // Waits (bounded) until status says `state`.
  bool wait_state(const std::string& state,
                  std::chrono::milliseconds limit = std::chrono::seconds(10)) const;
  std::string private_id() const;

 private:
  std::string socket_, state_dir_, config_path_, log_path_;
  std::vector<std::string> argv_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<child_process> process_;
};

// A wssctl run: exit code and what it printed.
struct command_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};
command_result run_wssctl(const std::string& socket, std::vector<std::string> args,
                          std::vector<std::string> prefix = {});

}  // namespace wssd::test
