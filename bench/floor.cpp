#include "bench/floor.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/forked_child.hpp"
#include "bench/process_stats.hpp"
#include "bench/relay.hpp"
#include "daemon/common/unique_fd.hpp"

namespace wssd::bench {

namespace {

template <class T>
using outcome = boost::system::result<T, floor_failure>;
using fd_pair = std::pair<unique_fd, unique_fd>;

// A blocking read or write here that waits longer has failed: a child died or hangs.
constexpr auto io_limit = std::chrono::seconds(2);
// The longest a child lives, should this process stop without dying.
constexpr auto child_limit = std::chrono::seconds(60);
constexpr auto drain_limit = std::chrono::seconds(5);
constexpr std::size_t read_chunk = 64 * 1024;  // what the benchmark's subscribers read at once
constexpr std::size_t line_buffer = 4096;
// Lines in flight are at most the window; a ring of this many counts covers any window used.
constexpr std::size_t ring = 4096;
constexpr std::uint64_t stop_writing = std::numeric_limits<std::uint64_t>::max();

floor_failure errno_failure(const std::string& what) {
  return {what + ": " + std::strerror(errno)};
}

// --- Sockets ------------------------------------------------------------------------------

bool set_io_limit(int fd) {
  const timeval limit{std::chrono::duration_cast<std::chrono::seconds>(io_limit).count(), 0};
  return ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit)) == 0 &&
         ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit)) == 0;
}

outcome<fd_pair> unix_pair(int type) {
  std::array<int, 2> fds{};
  if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds.data()) != 0)
    return errno_failure("socketpair");
  return fd_pair{unique_fd(fds[0]), unique_fd(fds[1])};
}

// Both ends of one TCP connection on 127.0.0.1, with TCP_NODELAY as wssd and the hub set it.
outcome<fd_pair> tcp_pair() {
  unique_fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  auto* a = reinterpret_cast<sockaddr*>(&address);
  if (!listener || ::bind(listener.get(), a, sizeof(address)) != 0 ||
      ::listen(listener.get(), 1) != 0 || ::getsockname(listener.get(), a, &length) != 0)
    return errno_failure("listen on 127.0.0.1");
  // On loopback the kernel completes the handshake at connect: accept does not wait.
  unique_fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!client || ::connect(client.get(), a, sizeof(address)) != 0)
    return errno_failure("connect to 127.0.0.1");
  unique_fd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!server) return errno_failure("accept");
  const int on = 1;
  for (const int fd : {client.get(), server.get()}) {
    if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0)
      return errno_failure("TCP_NODELAY");
  }
  return fd_pair{std::move(client), std::move(server)};
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const auto n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// `count` copies of one line in one writev (the rest with write should it stop short).
bool writev_all(int fd, const iovec* lines, int count) {
  const auto line_size = lines[0].iov_len;
  const auto total = line_size * static_cast<std::size_t>(count);
  ssize_t n = -1;
  do {
    n = ::writev(fd, lines, count);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return false;
  for (auto written = static_cast<std::size_t>(n); written < total;) {
    const auto at = written % line_size;
    if (!write_all(fd, static_cast<const char*>(lines[0].iov_base) + at, line_size - at))
      return false;
    written += line_size - at;
  }
  return true;
}

// Reads until what it has ends with a newline (one line is in flight at a time): its length,
// 0 at EOF before any byte, -1 on an error.
ssize_t read_line(int fd, char* buffer, std::size_t capacity) {
  std::size_t got = 0;
  while (got == 0 || buffer[got - 1] != '\n') {
    if (got == capacity) return -1;
    const auto n = ::read(fd, buffer + got, capacity - got);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 && got == 0) return 0;
    if (n <= 0) return -1;
    got += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

// --- The children (plain system calls; their exit status says how it went) ---------------

// Writes back what it reads, until EOF.
int echo(int fd) {
  std::array<char, line_buffer> buffer{};
  for (;;) {
    const auto n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0 ? 0 : 1;
    if (!write_all(fd, buffer.data(), static_cast<std::size_t>(n))) return 1;
  }
}

// A hop with nothing in it: a line from the client goes upstream, the answer comes back.
int relay(int client, int upstream) {
  std::array<char, line_buffer> buffer{};
  for (;;) {
    const auto n = read_line(client, buffer.data(), buffer.size());
    if (n <= 0) return n == 0 ? 0 : 1;
    if (!write_all(upstream, buffer.data(), static_cast<std::size_t>(n))) return 1;
    const auto m = read_line(upstream, buffer.data(), buffer.size());
    if (m <= 0 || !write_all(client, buffer.data(), static_cast<std::size_t>(m))) return 1;
  }
}

// The fan-out writer keeps `window` lines not yet read from every socket, as the broadcaster
// keeps broadcasts outstanding. The reader's progress (how many lines every socket has) comes
// over `control`; `stop_writing` there asks for the count written.
struct writer_setup {
  std::vector<int> sockets;
  int control = -1;
  std::vector<iovec> lines;  // `window` times the line
  bool batched = false;      // one writev per socket of all it has room for, or a write a line
};

// `count` lines to every socket: line by line, each to every socket in turn (as one event after
// another is handed to every subscriber), or each socket's `count` in one writev.
bool write_each(const writer_setup& w, std::uint64_t count) {
  const auto& line = w.lines.front();
  for (std::uint64_t k = 0; k < count; ++k) {
    for (const int fd : w.sockets) {
      if (!write_all(fd, static_cast<const char*>(line.iov_base), line.iov_len)) return false;
    }
  }
  return true;
}

bool write_batched(const writer_setup& w, std::uint64_t count) {
  for (const int fd : w.sockets) {
    if (!writev_all(fd, w.lines.data(), static_cast<int>(count))) return false;
  }
  return true;
}

int write_lines(const writer_setup& w) {
  const auto window = static_cast<std::uint64_t>(w.lines.size());
  std::uint64_t sent = 0;
  std::uint64_t complete = 0;
  for (;;) {
    const auto room = window - (sent - complete);
    if (room > 0 && !(w.batched ? write_batched(w, room) : write_each(w, room))) return 1;
    sent += room;
    // Waits for progress, then takes all there is, as an event loop reads what is ready before
    // it writes: several broadcasts' room at once is what a batching writer batches.
    int flags = 0;
    for (;;) {
      std::uint64_t got = 0;
      const auto n = ::recv(w.control, &got, sizeof(got), flags);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && flags != 0 && errno == EAGAIN) break;
      if (n != static_cast<ssize_t>(sizeof(got))) return n == 0 ? 0 : 1;
      if (got == stop_writing) {
        if (::send(w.control, &sent, sizeof(sent), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(sizeof(sent)))
          return 1;
        // Until killed: exiting would close the sockets while the reader still drains them.
        for (;;) {
          const auto m = ::recv(w.control, &got, sizeof(got), 0);
          if (m == 0 || (m < 0 && errno != EINTR)) return 0;
        }
      }
      complete = std::max(complete, got);
      flags = MSG_DONTWAIT;
    }
  }
}

// --- Round trips ---------------------------------------------------------------------------

// The line out and all of it back, in microseconds; nothing when it did not come back.
std::optional<double> round_trip(int fd, const std::string& line, char* buffer) {
  const auto start = clock::now();
  if (!write_all(fd, line.data(), line.size())) return std::nullopt;
  for (std::size_t got = 0; got < line.size();) {
    const auto n = ::read(fd, buffer + got, line.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    got += static_cast<std::size_t>(n);
  }
  return micros(clock::now() - start);
}

struct round_trips {
  int rounds = 0;
  rtt_figures unix_rtt, tcp_rtt, relay_hops;
};

outcome<round_trips> measure_round_trips(const floor_plan& plan, const std::string& line) {
  std::vector<forked_child> children;
  // Forks `body`, then closes here the ends it took: a child that dies is then an EOF here, not
  // a wait (each pair is made just before its child: no other child has the end facing here).
  const auto spawn = [&children](const std::function<int()>& body,
                                 std::initializer_list<unique_fd*> theirs) -> bool {
    auto child = forked_child::start(body, child_limit);
    if (!child) return false;
    children.push_back(std::move(*child));
    for (auto* fd : theirs) fd->reset();
    return true;
  };
  struct path {
    const char* name;
    unique_fd fd;  // this process's end
    samples rtt;
  };
  std::vector<path> paths;

  auto unix_echo = unix_pair(SOCK_STREAM);
  if (!unix_echo) return unix_echo.error();
  const int unix_end = unix_echo->second.get();
  if (!spawn([unix_end] { return echo(unix_end); }, {&unix_echo->second}))
    return errno_failure("fork");
  paths.push_back({"unix", std::move(unix_echo->first), {}});

  auto tcp_echo = tcp_pair();
  if (!tcp_echo) return tcp_echo.error();
  const int tcp_end = tcp_echo->second.get();
  if (!spawn([tcp_end] { return echo(tcp_end); }, {&tcp_echo->second}))
    return errno_failure("fork");
  paths.push_back({"tcp", std::move(tcp_echo->first), {}});

  auto upstream = tcp_pair();
  if (!upstream) return upstream.error();
  const int echo_end = upstream->second.get();
  if (!spawn([echo_end] { return echo(echo_end); }, {&upstream->second}))
    return errno_failure("fork");
  auto client = unix_pair(SOCK_STREAM);
  if (!client) return client.error();
  const int client_end = client->second.get();
  const int upstream_end = upstream->first.get();
  if (!spawn([client_end, upstream_end] { return relay(client_end, upstream_end); },
             {&client->second, &upstream->first}))
    return errno_failure("fork");
  paths.push_back({"relay", std::move(client->first), {}});

  for (auto& p : paths) {
    if (!set_io_limit(p.fd.get())) return errno_failure("SO_RCVTIMEO");
  }
  // One round: each path once, which goes first rotating, so that the machine's changing load
  // falls on all alike.
  std::array<char, line_buffer> buffer{};
  round_trips r;
  const auto deadline = clock::now() + plan.rtt_limit;
  for (int round = 0; round < plan.rtt_warm_up_rounds + plan.rtt_rounds; ++round) {
    const bool counted = round >= plan.rtt_warm_up_rounds;
    if (counted && clock::now() >= deadline) break;
    for (std::size_t i = 0; i < paths.size(); ++i) {
      auto& p = paths[(static_cast<std::size_t>(round) + i) % paths.size()];
      const auto rtt = round_trip(p.fd.get(), line, buffer.data());
      if (!rtt) return floor_failure{std::string("no echo on the ") + p.name + " path"};
      if (counted) p.rtt.add(*rtt);
    }
    if (counted) ++r.rounds;
  }
  const auto figures = [](const samples& s) {
    return rtt_figures{s.percentile(0.5), s.percentile(0.99)};
  };
  r.unix_rtt = figures(paths[0].rtt);
  r.tcp_rtt = figures(paths[1].rtt);
  r.relay_hops = figures(paths[2].rtt);
  return r;
}

// --- Fan-out ------------------------------------------------------------------------------

// This process reads, as the benchmark's subscribers do: one epoll set, one read per ready
// socket into one buffer, lines counted; it tells the writer whenever more lines have reached
// every socket.
outcome<fan_out_floor> measure_fan_out(const floor_plan& plan, const std::string& line,
                                       bool batched) {
  const auto subscribers = plan.subscribers;
  unique_fd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll) return errno_failure("epoll_create1");
  const auto watch = [&epoll](int fd, std::size_t which) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = which;
    return ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &e) == 0;
  };
  std::vector<unique_fd> readers, writers;
  for (std::size_t i = 0; i < subscribers; ++i) {
    auto p = unix_pair(SOCK_STREAM);
    if (!p) return p.error();
    if (::fcntl(p->second.get(), F_SETFL, O_NONBLOCK) != 0) return errno_failure("O_NONBLOCK");
    if (!watch(p->second.get(), i)) return errno_failure("epoll_ctl");
    writers.push_back(std::move(p->first));
    readers.push_back(std::move(p->second));
  }
  // Messages, not a stream: one read is one progress count.
  auto control = unix_pair(SOCK_SEQPACKET);
  if (!control) return control.error();
  if (!set_io_limit(control->first.get()) || !watch(control->first.get(), subscribers))
    return errno_failure("the control socket");

  writer_setup w;
  for (const auto& fd : writers) w.sockets.push_back(fd.get());
  w.control = control->second.get();
  w.lines.assign(static_cast<std::size_t>(plan.window),
                 iovec{const_cast<char*>(line.data()), line.size()});
  w.batched = batched;
  auto writer = forked_child::start([&w] { return write_lines(w); }, child_limit);
  if (!writer) return errno_failure("fork");
  writers.clear();  // the writer's alone: should it die, the sockets read EOF
  control->second.reset();

  const auto everyone = static_cast<std::uint32_t>(subscribers);
  std::vector<std::uint32_t> reached(ring, 0);  // per line in flight: sockets that have it
  std::vector<std::uint64_t> lines(subscribers, 0);
  std::uint64_t complete = 0;  // lines every socket has
  std::optional<std::uint64_t> written;
  std::uint64_t deliveries = 0;
  std::vector<char> buffer(read_chunk);
  std::array<epoll_event, 256> events{};

  enum class phase { warm_up, measured, drain } now_in = phase::warm_up;
  const auto start = clock::now();
  const auto measure_from = start + plan.warm_up;
  const auto measure_until = measure_from + plan.measured;
  const auto drain_until = measure_until + drain_limit;
  clock::time_point measured_from, measured_until;
  double reader_cpu = 0;
  double writer_cpu = 0;
  const auto cpu_of = [](pid_t pid) { return cpu_seconds_of(pid).value_or(0); };
  for (;;) {
    const auto now = clock::now();
    if (now_in == phase::warm_up && now >= measure_from) {
      reader_cpu = -cpu_of(::getpid());
      writer_cpu = -cpu_of(writer->pid());
      measured_from = clock::now();
      now_in = phase::measured;
    } else if (now_in == phase::measured && now >= measure_until) {
      measured_until = clock::now();
      reader_cpu += cpu_of(::getpid());
      writer_cpu += cpu_of(writer->pid());
      now_in = phase::drain;
      if (::send(control->first.get(), &stop_writing, sizeof(stop_writing), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(sizeof(stop_writing)))
        return errno_failure("stopping the writer");
    } else if (now_in == phase::drain && written && complete == *written) {
      break;
    }
    if (now >= drain_until) {
      return floor_failure{"the fan-out floor's lines did not all arrive: " +
                           std::to_string(complete) + " on every socket"};
    }
    const int ready = ::epoll_wait(epoll.get(), events.data(), static_cast<int>(events.size()), 10);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return errno_failure("epoll_wait");
    for (int e = 0; e < ready; ++e) {
      const auto which = static_cast<std::size_t>(events[static_cast<std::size_t>(e)].data.u64);
      if (which == subscribers) {
        std::uint64_t count = 0;
        const auto n = ::recv(control->first.get(), &count, sizeof(count), MSG_DONTWAIT);
        if (n == 0) return floor_failure{"the fan-out writer ended before it was stopped"};
        if (n == static_cast<ssize_t>(sizeof(count))) written = count;
        continue;
      }
      const auto got = ::read(readers[which].get(), buffer.data(), buffer.size());
      if (got == 0) return floor_failure{"the fan-out writer closed a socket"};
      if (got < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return errno_failure("reading a fan-out socket");
      }
      const auto before = lines[which];
      const auto after =
          before + static_cast<std::uint64_t>(std::count(buffer.data(), buffer.data() + got, '\n'));
      if (after > complete + ring) return floor_failure{"a socket read more lines than written"};
      lines[which] = after;
      if (now_in == phase::measured) deliveries += after - before;
      bool progressed = false;
      for (auto l = before; l < after; ++l) {
        if (++reached[l % ring] == everyone) progressed = true;
      }
      if (!progressed) continue;
      while (reached[complete % ring] == everyone) reached[complete++ % ring] = 0;
      if (now_in != phase::drain && ::send(control->first.get(), &complete, sizeof(complete),
                                           MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof(complete)))
        return errno_failure("telling the writer");
    }
  }
  for (const auto l : lines) {
    if (l != *written) {
      return floor_failure{"a fan-out socket has " + std::to_string(l) + " lines of " +
                           std::to_string(*written)};
    }
  }
  fan_out_floor f;
  const auto d = static_cast<double>(deliveries);
  f.deliveries_per_s = d / seconds(measured_until - measured_from);
  if (deliveries > 0) {
    f.writer_cpu_us_per_delivery = writer_cpu * 1e6 / d;
    f.reader_cpu_us_per_delivery = reader_cpu * 1e6 / d;
  }
  return f;
}

}  // namespace

boost::system::result<floor_figures, floor_failure> measure_floor(const floor_plan& plan) {
  const auto started = clock::now();
  const auto line = payload_of(plan.payload) + "\n";
  floor_figures f;
  const auto rtt = measure_round_trips(plan, line);
  if (!rtt) return rtt.error();
  f.rtt_rounds = rtt->rounds;
  f.unix_rtt = rtt->unix_rtt;
  f.tcp_rtt = rtt->tcp_rtt;
  f.relay_hops = rtt->relay_hops;
  const auto per_line = measure_fan_out(plan, line, false);
  if (!per_line) return per_line.error();
  f.per_line = *per_line;
  const auto batched = measure_fan_out(plan, line, true);
  if (!batched) return batched.error();
  f.batched = *batched;
  f.seconds = seconds(clock::now() - started);
  return f;
}

}  // namespace wssd::bench
