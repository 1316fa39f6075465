// A program the test starts: its own process group, output to files, killed on destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace wssd::test {

class child_process {
 public:
  struct options {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;  // added to (or replacing in) the test's own
    std::string stdout_path;                 // empty: /dev/null
    std::string stderr_path;                 // empty: /dev/null
  };

  explicit child_process(options o);
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&&) = delete;
  ~child_process();

  pid_t pid() const { return pid_; }
  bool running() const;
  void signal(int sig);
  // The exit status (exit code, or 128 + signal), if it ended within `limit`.
  std::optional<int> wait(std::chrono::milliseconds limit);
  // SIGTERM, then SIGKILL if it is still there after `grace`.
  std::optional<int> stop(std::chrono::milliseconds grace = std::chrono::seconds(3));

 private:
  pid_t pid_ = -1;
  mutable std::optional<int> status_;  // known once reaped
};

// Reads a whole file (for logs and captured output).
std::string read_file(const std::string& path);
// Polls `condition` every 20 ms until it holds or `limit` passes.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds limit = std::chrono::seconds(10));
}  // namespace wssd::test
