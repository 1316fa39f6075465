#include "tests/support/hub_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

extern char** environ;

namespace wssd::test {

namespace {

constexpr std::chrono::milliseconds reap_poll_interval{10};

std::chrono::milliseconds remaining(std::chrono::steady_clock::time_point deadline) {
  const auto left = deadline - std::chrono::steady_clock::now();
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(left));
}

}  // namespace

std::string default_hub_binary() {
  return WSS_HUB_PATH;
}

hub_process::hub_process(hub_config config) : config_(std::move(config)) {}

hub_process::~hub_process() {
  kill();
}

bool hub_process::start(std::chrono::milliseconds timeout) {
  if (running() || !spawn()) return false;
  if (read_ports(timeout)) return true;
  kill();
  return false;
}

bool hub_process::stop(std::chrono::milliseconds timeout) {
  if (!running()) return false;
  ::kill(pid_, SIGCONT);  // a paused hub cannot act on SIGTERM
  ::kill(pid_, SIGTERM);
  const auto status = reap(timeout);
  if (!status) {
    kill();
    return false;
  }
  return WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

bool hub_process::restart(std::chrono::milliseconds timeout) {
  stop(timeout);
  return start(timeout);
}

void hub_process::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  reap(std::chrono::seconds(5));
}

bool hub_process::pause() {
  return running() && ::kill(pid_, SIGSTOP) == 0;
}

bool hub_process::resume() {
  return running() && ::kill(pid_, SIGCONT) == 0;
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
  if (config_.http) {
    args.insert(args.end(), {"--http-port", std::to_string(http_port_)});
  }
  if (tls()) args.insert(args.end(), {"--cert", config_.cert_file, "--key", config_.key_file});
  args.insert(args.end(), config_.extra_args.begin(), config_.extra_args.end());
  return args;
}

bool hub_process::spawn() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  unique_fd read_end(fds[0]);
  unique_fd write_end(fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  auto args = arguments();
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return false;
  pid_ = pid;
  stdout_ = std::move(read_end);
  return true;
}

bool hub_process::read_ports(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  while (line.find('\n') == std::string::npos) {
    pollfd pfd{stdout_.get(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(remaining(deadline).count())) <= 0) return false;
    char buf[256];
    const auto n = ::read(stdout_.get(), buf, sizeof buf);
    if (n <= 0) return false;
    line.append(buf, static_cast<std::size_t>(n));
  }
  unsigned ws = 0;
  unsigned http = 0;
  if (std::sscanf(line.c_str(), "listening ws=%u http=%u", &ws, &http) != 2) return false;
  ws_port_ = static_cast<std::uint16_t>(ws);
  http_port_ = static_cast<std::uint16_t>(http);
  return true;
}

std::optional<int> hub_process::reap(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t rc = ::waitpid(pid_, &status, WNOHANG);
    if (rc == pid_ || rc < 0) {
      pid_ = -1;
      stdout_.reset();
      return rc < 0 ? -1 : status;  // -1: already reaped elsewhere, status unknown
    }
    if (remaining(deadline).count() == 0) return std::nullopt;
    std::this_thread::sleep_for(reap_poll_interval);
  }
}

}  // namespace wssd::test
