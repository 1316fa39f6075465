// A process forked from the benchmark to run one function, with no exec: the physical floor's
// echo, relay and writer processes, whose user code must be next to nothing.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>

namespace wssd::bench {

class forked_child {
 public:
  // Forks; the child runs `body` and exits with what it returns. The child has the default
  // signal handlers (the benchmark's kill wssd and the hub), dies with the benchmark
  // (PR_SET_PDEATHSIG) and after `limit` (SIGALRM). An empty optional, errno set, when fork
  // fails.
  static std::optional<forked_child> start(const std::function<int()>& body,
                                           std::chrono::seconds limit);

  // Killed (SIGKILL) and reaped.
  ~forked_child();
  forked_child(forked_child&& other) noexcept;
  forked_child& operator=(forked_child&& other) noexcept;
  forked_child(const forked_child&) = delete;
  forked_child& operator=(const forked_child&) = delete;

  pid_t pid() const { return pid_; }

 private:
  explicit forked_child(pid_t pid) : pid_(pid) {}
  void reset();

  pid_t pid_ = -1;
};

}  // namespace wssd::bench
