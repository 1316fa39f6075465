#include "bench/local_peer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "daemon/common/unique_fd.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd::bench {

namespace json = boost::json;
using stream = asio::local::stream_protocol;

namespace {

constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::string_view event_prefix = R"({"jsonrpc":"2.0","method":"event")";

stream::socket connect_to(asio::io_context& io, const std::string& path) {
  stream::socket s(io);
  asio::error_code ec;
  s.connect(stream::endpoint(path), ec);
  if (ec) throw std::runtime_error("cannot connect to wssd at " + path + ": " + ec.message());
  return s;
}

}  // namespace

struct local_peer::state : std::enable_shared_from_this<local_peer::state> {
  state(event_loop& l, const std::string& path) : loop(l), socket(connect_to(l.io(), path)) {}

  void queue(std::string_view line) {
    out.append(line);
    if (!writing) write();
  }

  void write() {
    writing = true;
    being_written.swap(out);
    out.clear();
    asio::async_write(
        socket, asio::buffer(being_written),
        [self = shared_from_this()](asio::error_code ec, std::size_t) { self->written(ec); });
  }

  void written(asio::error_code ec) {
    writing = false;
    if (closed) return;
    if (ec) return loop.fail("cannot write to wssd: " + ec.message());
    if (!out.empty()) write();
  }

  void read() {
    socket.async_read_some(
        asio::buffer(chunk),
        [self = shared_from_this()](asio::error_code ec, std::size_t n) { self->got(ec, n); });
  }

  void got(asio::error_code ec, std::size_t n) {
    if (closed) return;
    if (ec) return loop.fail("wssd closed a client's connection: " + ec.message());
    in.append(chunk.data(), n);
    std::size_t start = 0;
    for (auto end = in.find('\n'); end != std::string::npos; end = in.find('\n', start)) {
      line(std::string_view(in).substr(start, end - start));
      start = end + 1;
      if (closed) return;
    }
    in.erase(0, start);
    read();
  }

  void line(std::string_view text) {
    if (text.substr(0, event_prefix.size()) == event_prefix) {
      if (on_event) on_event(text);
      return;
    }
    auto answer = proto::parse_object(text);
    const auto* id = answer ? answer->if_contains("id") : nullptr;
    const auto found = id && id->is_int64() ? waiting.find(id->as_int64()) : waiting.end();
    if (found == waiting.end())
      return loop.fail("wssd sent a line nobody asked for: " + std::string(text));
    auto done = std::move(found->second);
    waiting.erase(found);
    done(*answer);
  }

  std::int64_t begin_request() {
    const auto id = next_id++;
    request.assign(R"({"jsonrpc":"2.0","id":)");
    request.append(std::to_string(id));
    return id;
  }

  event_loop& loop;
  stream::socket socket;
  std::array<char, read_chunk> chunk{};
  std::string in, out, being_written, request;
  bool writing = false;
  bool closed = false;
  std::int64_t next_id = 1;
  std::unordered_map<std::int64_t, answer_handler> waiting;
  event_handler on_event;
};

local_peer::local_peer(event_loop& loop, const std::string& socket_path)
    : state_(std::make_shared<state>(loop, socket_path)) {
  state_->read();
}

local_peer::~local_peer() {
  state_->closed = true;
  asio::error_code ignored;
  state_->socket.close(ignored);  // the pending handlers end with operation_aborted
}

void local_peer::send(std::string_view to, std::string_view data, ack_handler done) {
  auto& s = *state_;
  const auto id = s.begin_request();
  s.request.append(R"(,"method":"send","params":{"to":[")").append(to);
  s.request.append(R"("],"data":)").append(data).append("}}\n");
  s.waiting.emplace(id, [done = std::move(done)](const json::object& answer) {
    done(answer.contains("result"));
  });
  s.queue(s.request);
}

void local_peer::call(std::string_view method, std::string_view params, answer_handler done) {
  auto& s = *state_;
  const auto id = s.begin_request();
  s.request.append(R"(,"method":")").append(method).append(R"(","params":)");
  s.request.append(params).append("}\n");
  s.waiting.emplace(id, std::move(done));
  s.queue(s.request);
}

json::object local_peer::call_and_wait(std::string_view method, std::string_view params,
                                       clock::duration limit) {
  std::optional<json::object> answer;
  call(method, params, [&answer](const json::object& a) { answer = a; });
  if (!state_->loop.run_until([&] { return answer.has_value(); }, limit))
    throw std::runtime_error("wssd did not answer " + std::string(method));
  return std::move(*answer);
}

void local_peer::on_event(event_handler h) {
  state_->on_event = std::move(h);
}

std::size_t local_peer::waiting() const {
  return state_->waiting.size();
}

// ---------------------------------------------------------------------------------------------

// The subscribers are plain descriptors in one epoll set, and the loop waits on that set: one
// readiness wakes the loop for up to 256 subscribers, each then read once into one shared
// buffer (as wssd reads its clients), so that this process spends little per delivery.
struct line_counters::state : std::enable_shared_from_this<line_counters::state> {
  state(event_loop& l, lines_handler h)
      : loop(l), on_lines(std::move(h)), epoll(::epoll_create1(EPOLL_CLOEXEC)), ready(l.io()) {
    if (!epoll) throw std::runtime_error("epoll_create1: " + std::string(std::strerror(errno)));
    ready.assign(::dup(epoll.get()));
  }

  void add(unique_fd fd) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = fds.size();
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd.get(), &e) != 0)
      throw std::runtime_error("epoll_ctl: " + std::string(std::strerror(errno)));
    fds.push_back(std::move(fd));
    lines.push_back(0);
  }

  void wait() {
    ready.async_wait(asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](asio::error_code ec) { self->readable(ec); });
  }

  void readable(asio::error_code ec) {
    if (closed) return;
    if (ec) return loop.fail("waiting for subscribers failed: " + ec.message());
    std::array<epoll_event, 256> events{};
    const int n = ::epoll_wait(epoll.get(), events.data(), static_cast<int>(events.size()), 0);
    if (n < 0 && errno != EINTR)
      return loop.fail("epoll_wait: " + std::string(std::strerror(errno)));
    for (int i = 0; i < n; ++i) {
      const auto which = static_cast<std::size_t>(events[static_cast<std::size_t>(i)].data.u64);
      const auto got = ::read(fds[which].get(), buffer.data(), buffer.size());
      if (got == 0) return loop.fail("wssd closed a subscriber");
      if (got < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return loop.fail("reading a subscriber: " + std::string(std::strerror(errno)));
      }
      const auto before = lines[which];
      lines[which] +=
          static_cast<std::uint64_t>(std::count(buffer.data(), buffer.data() + got, '\n'));
      if (lines[which] != before) on_lines(which, before, lines[which]);
      if (closed) return;
    }
    wait();
  }

  event_loop& loop;
  lines_handler on_lines;
  unique_fd epoll;
  asio::posix::stream_descriptor ready;  // a duplicate of the epoll descriptor, for the loop
  std::vector<unique_fd> fds;
  std::vector<std::uint64_t> lines;
  std::array<char, read_chunk> buffer{};
  bool closed = false;
};

namespace {

[[noreturn]] void fail_with_errno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// Connects and subscribes on a blocking socket: until events flow, the answer is all there is
// to read. Then the socket is made non-blocking.
unique_fd subscribe(const std::string& path, std::string_view params) {
  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    fail_with_errno("connect to " + path);
  std::string line = R"({"jsonrpc":"2.0","id":1,"method":"subscribe","params":)";
  line.append(params).append("}\n");
  if (::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
    fail_with_errno("send subscribe");
  std::string answer;
  while (answer.find('\n') == std::string::npos) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) throw std::runtime_error("wssd did not answer subscribe");
    std::array<char, 512> chunk{};
    const auto n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n <= 0) fail_with_errno("wssd closed a subscriber");
    answer.append(chunk.data(), static_cast<std::size_t>(n));
  }
  if (answer.find("\"result\"") == std::string::npos)
    throw std::runtime_error("subscribe refused: " + answer);
  if (answer.find('\n') + 1 != answer.size())
    throw std::runtime_error("an event arrived before the subscription was complete");
  if (::fcntl(fd.get(), F_SETFL, O_NONBLOCK) != 0) fail_with_errno("O_NONBLOCK");
  return fd;
}

}  // namespace

line_counters::line_counters(event_loop& loop, const std::string& socket_path, std::size_t count,
                             std::string_view subscribe_params, lines_handler on_lines)
    : state_(std::make_shared<state>(loop, std::move(on_lines))) {
  for (std::size_t i = 0; i < count; ++i) state_->add(subscribe(socket_path, subscribe_params));
  state_->wait();
}

line_counters::~line_counters() {
  state_->closed = true;
  asio::error_code ignored;
  state_->ready.cancel(ignored);
  state_->fds.clear();
}

std::size_t line_counters::size() const {
  return state_->fds.size();
}

std::uint64_t line_counters::lines(std::size_t which) const {
  return state_->lines[which];
}

}  // namespace wssd::bench
