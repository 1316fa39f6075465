#include "bench/fan_out.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json/string.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "daemon/common/unique_fd.hpp"
#include "tests/support/test_peer.hpp"

namespace wssd::bench {

namespace {

namespace json = boost::json;
using clock = std::chrono::steady_clock;

constexpr auto connect_limit = std::chrono::seconds(5);
constexpr auto single_limit = std::chrono::seconds(10);
constexpr auto sustained_limit = std::chrono::seconds(60);
constexpr char subscribe_line[] =
    R"({"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"types":["message"]}})"
    "\n";

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// A subscriber that only counts lines. The client library parses every event; with 1 000
// subscribers in one process that parsing would compete with wssd for the two cores and
// measure the benchmark instead of wssd.
unique_fd subscribe(const std::string& path) {
  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    fail("connect to " + path);
  if (::send(fd.get(), subscribe_line, sizeof(subscribe_line) - 1, MSG_NOSIGNAL) < 0)
    fail("send subscribe");
  // No events flow yet, so the answer is all there is to read.
  std::string answer;
  while (answer.find('\n') == std::string::npos) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(connect_limit).count())) <= 0)
      fail("no answer to subscribe");
    char chunk[512];
    const auto n = ::read(fd.get(), chunk, sizeof(chunk));
    if (n <= 0) fail("wssd closed a subscriber");
    answer.append(chunk, static_cast<std::size_t>(n));
  }
  if (answer.find("\"result\"") == std::string::npos)
    throw std::runtime_error("subscribe refused: " + answer);
  if (::fcntl(fd.get(), F_SETFL, O_NONBLOCK) != 0) fail("O_NONBLOCK");
  return fd;
}

// Every subscriber gets every event, so they all count the same number of lines once each
// round is complete.
class subscriber_set {
 public:
  subscriber_set(const std::string& path, std::size_t count)
      : epoll_(::epoll_create1(EPOLL_CLOEXEC)), lines_(count, 0) {
    if (!epoll_) fail("epoll_create1");
    for (std::size_t i = 0; i < count; ++i) {
      fds_.push_back(subscribe(path));
      epoll_event e{};
      e.events = EPOLLIN;
      e.data.u64 = i;
      if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fds_.back().get(), &e) != 0) fail("epoll_ctl");
    }
  }

  // Reads until every subscriber has `events` more lines; false if the deadline came first or
  // wssd closed a subscriber (one that lagged too far). It never throws: a broadcasting
  // thread may be running.
  bool await_each(std::size_t events, clock::time_point deadline) {
    goal_ += events;
    std::size_t short_of_goal = fds_.size();
    std::array<epoll_event, 256> ready{};
    while (short_of_goal > 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      if (left.count() <= 0) return false;
      const int n = ::epoll_wait(epoll_.get(), ready.data(), static_cast<int>(ready.size()),
                                 static_cast<int>(left.count()));
      if (n < 0 && errno != EINTR) return false;
      for (int i = 0; i < n; ++i) {
        const auto which = static_cast<std::size_t>(ready[static_cast<std::size_t>(i)].data.u64);
        const bool was_short = lines_[which] < goal_;
        if (!read_lines(which)) return false;
        if (was_short && lines_[which] >= goal_) --short_of_goal;
      }
    }
    return true;
  }

 private:
  // False once wssd has closed this subscriber.
  bool read_lines(std::size_t which) {
    const auto n = ::read(fds_[which].get(), chunk_.data(), chunk_.size());
    if (n == 0) return false;
    if (n > 0) {
      lines_[which] += static_cast<std::size_t>(std::count(chunk_.data(), chunk_.data() + n, '\n'));
    }
    return true;  // or EAGAIN: nothing more to read yet
  }

  unique_fd epoll_;
  std::vector<unique_fd> fds_;
  std::vector<std::size_t> lines_;
  std::size_t goal_ = 0;
  std::array<char, 64 * 1024> chunk_{};
};

double millis(clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct cpu_times {
  explicit cpu_times(const measured_processes& setup)
      : wssd(cpu_seconds_of(setup.wssd_pid).value_or(0)),
        hub(cpu_seconds_of(setup.hub_pid).value_or(0)),
        bench(cpu_seconds_of(::getpid()).value_or(0)) {}
  double wssd, hub, bench;
};

memory_use memory_now(pid_t pid) {
  auto m = memory_of(pid);
  if (!m) throw std::runtime_error("cannot read wssd's memory use");
  return *m;
}

}  // namespace

fan_out_figures measure_fan_out(const measured_processes& setup, const fan_out_plan& plan) {
  test::test_peer broadcaster;
  if (!broadcaster.join(setup.hub_url))
    throw std::runtime_error("broadcaster cannot join: " + broadcaster.last_error());
  subscriber_set subscribers(setup.wssd_socket, plan.subscribers);
  fan_out_figures f;
  f.subscribers = plan.subscribers;
  f.idle_clients = memory_now(setup.wssd_pid);
  const json::value data = json::string(plan.payload - 2, 'x');

  samples single;
  for (int i = 0; i < plan.single_rounds; ++i) {
    const auto start = clock::now();
    if (!broadcaster.broadcast(data) || !subscribers.await_each(1, start + single_limit))
      throw std::runtime_error("a broadcast did not reach every subscriber");
    single.add(millis(clock::now() - start));
  }
  f.single_p50_ms = single.median();
  f.single_max_ms = single.percentile(1.0);

  // The broadcaster waits for each ok, so it never has more than one broadcast in the hub;
  // wssd gets them as fast as the hub relays and may batch several per write to a subscriber.
  const cpu_times before(setup);
  const auto start = clock::now();
  std::thread sender([&] {
    for (int i = 0; i < plan.sustained_events; ++i) {
      if (!broadcaster.broadcast(data)) return;  // the wait below then runs out
    }
  });
  const bool complete = subscribers.await_each(static_cast<std::size_t>(plan.sustained_events),
                                               start + sustained_limit);
  const auto elapsed = clock::now() - start;
  sender.join();
  if (!complete) throw std::runtime_error("the sustained broadcasts did not all arrive in time");
  f.sustained_events = plan.sustained_events;
  f.sustained_seconds = std::chrono::duration<double>(elapsed).count();
  f.events_per_s =
      static_cast<double>(plan.subscribers) * plan.sustained_events / f.sustained_seconds;
  const cpu_times after(setup);
  f.wssd_cpu_seconds = after.wssd - before.wssd;
  f.hub_cpu_seconds = after.hub - before.hub;
  f.bench_cpu_seconds = after.bench - before.bench;
  f.after_load = memory_now(setup.wssd_pid);
  return f;
}

}  // namespace wssd::bench
