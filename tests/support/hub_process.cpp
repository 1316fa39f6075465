#include "tests/support/hub_process.hpp"

#include <signal.h>

#include <cstdio>

namespace wssd::test {

std::string default_hub_binary() {
  return WSS_HUB_PATH;
}

hub_process::hub_process(hub_config config) : config_(std::move(config)) {}

hub_process::~hub_process() {
  kill();
}

bool hub_process::start(std::chrono::milliseconds timeout) {
  if (running()) return false;
  std::remove((output_ / "stdout").c_str());
  child_ = std::make_unique<child_process>(
      child_process::options{arguments(), {}, output_ / "stdout", output_ / "stderr"});
  if (read_ports(timeout)) return true;
  kill();
  return false;
}

bool hub_process::stop(std::chrono::milliseconds timeout) {
  if (!running()) return false;
  const auto status = child_->stop(timeout);  // SIGCONT first: a paused hub cannot act on TERM
  return status == 0;
}

bool hub_process::restart(std::chrono::milliseconds timeout) {
  stop(timeout);
  return start(timeout);
}

void hub_process::kill() {
  child_.reset();
}  // the child is killed with its process group

bool hub_process::pause() {
  if (!running()) return false;
  child_->signal(SIGSTOP);
  return true;
}

bool hub_process::resume() {
  if (!running()) return false;
  child_->signal(SIGCONT);
  return true;
}

std::string hub_process::host() const {
  const bool ipv6 = config_.bind.find(':') != std::string::npos;
  return ipv6 ? "[" + config_.bind + "]" : config_.bind;
}

std::string hub_process::ws_url() const {
  return std::string(tls() ? "wss://" : "ws://") + host() + ":" + std::to_string(ws_port_) + "/";
}

std::string hub_process::http_url() const {
  return std::string(tls() ? "https://" : "http://") + host() + ":" + std::to_string(http_port_) +
         "/";
}

std::vector<std::string> hub_process::arguments() const {
  std::vector<std::string> args{config_.binary, "--port", std::to_string(ws_port_), "--bind",
                                config_.bind};
  if (config_.http) args.insert(args.end(), {"--http-port", std::to_string(http_port_)});
  if (tls()) args.insert(args.end(), {"--cert", config_.cert_file, "--key", config_.key_file});
  args.insert(args.end(), config_.extra_args.begin(), config_.extra_args.end());
  return args;
}

// The hub prints `listening ws=PORT http=PORT` once it listens: the first start learns the
// ports it picked, and later starts reuse them.
bool hub_process::read_ports(std::chrono::milliseconds timeout) {
  unsigned ws = 0;
  unsigned http = 0;
  const bool listening = eventually(
      [&] {
        const auto out = read_file(output_ / "stdout");
        return !running() || std::sscanf(out.c_str(), "listening ws=%u http=%u", &ws, &http) == 2;
      },
      timeout);
  if (!listening || !running()) return false;
  ws_port_ = static_cast<std::uint16_t>(ws);
  http_port_ = static_cast<std::uint16_t>(http);
  return true;
}

}  // namespace wssd::test
