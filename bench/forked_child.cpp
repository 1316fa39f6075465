#include "bench/forked_child.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace wssd::bench {

std::optional<forked_child> forked_child::start(const std::function<int()>& body,
                                                std::chrono::seconds limit) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid > 0) return forked_child(pid);
  // The child: never back into the benchmark's code, whatever happens.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGPIPE}) ::signal(sig, SIG_DFL);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(125);
  ::alarm(static_cast<unsigned>(limit.count()));
  int status = 124;
  try {
    status = body();
  } catch (...) {
  }
  ::_exit(status);
}

forked_child::~forked_child() {
  reset();
}

forked_child::forked_child(forked_child&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

forked_child& forked_child::operator=(forked_child&& other) noexcept {
  if (this != &other) {
    reset();
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

void forked_child::reset() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

}  // namespace wssd::bench
