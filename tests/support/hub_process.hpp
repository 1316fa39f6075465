// Runs the real wss-hub binary for a test: on free ports first, on the same ports after a
// restart, so clients can reconnect to the URL they knew. Killed on destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace wssd::test {

// The wss-hub built alongside the tests.
std::string default_hub_binary();

struct hub_config {
  std::string binary = default_hub_binary();
  std::string bind = "127.0.0.1";
  bool http = false;      // also open the HTTP port
  std::string cert_file;  // with key_file: serve wss:// and https://
  std::string key_file;
  std::vector<std::string> extra_args;  // e.g. {"--no-leak", "--ping-interval", "0.5"}
};

class hub_process {
 public:
  explicit hub_process(hub_config config = {});
  ~hub_process();
  hub_process(const hub_process&) = delete;
  hub_process& operator=(const hub_process&) = delete;

  // Starts the hub and reads its `listening` line. The first start picks free ports; later
  // ones reuse them.
  bool start(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // SIGTERM, then SIGKILL if it has not exited in time; true on a clean exit 0.
  bool stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool restart(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void kill();
  // SIGSTOP / SIGCONT: a hub that is there but answers nothing.
  bool pause();
  bool resume();

  bool running() const { return child_ && child_->running(); }
  pid_t pid() const { return child_ ? child_->pid() : -1; }
  std::uint16_t ws_port() const { return ws_port_; }
  std::uint16_t http_port() const { return http_port_; }
  bool tls() const { return !config_.cert_file.empty(); }
  // ws://127.0.0.1:PORT/ (wss:// with TLS; IPv6 binds get brackets).
  std::string ws_url() const;
  std::string http_url() const;

 private:
  std::vector<std::string> arguments() const;
  bool read_ports(std::chrono::milliseconds timeout);
  std::string host() const;

  hub_config config_;
  temp_dir output_;
  std::unique_ptr<child_process> child_;
  std::uint16_t ws_port_ = 0;
  std::uint16_t http_port_ = 0;
};

}  // namespace wssd::test
