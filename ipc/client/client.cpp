#include "ipc/client/client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "daemon/common/paths.hpp"

namespace wssd {

namespace json = boost::json;
using clock = std::chrono::steady_clock;

namespace {

json::array strings(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

}  // namespace

std::string default_client_socket(std::string_view instance) {
  if (const char* env = std::getenv("WSSD_SOCKET"); env && *env) return env;
  const auto own = default_socket_path(instance);
  if (std::filesystem::exists(own)) return own;
  return system_socket_path(instance);
}

client::outcome<client> client::connect(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    return failure{failure_kind::invalid,
                   "socket path too long (" + std::to_string(path.size()) + " bytes, at most " +
                       std::to_string(sizeof(addr.sun_path) - 1) + "): " + path};
  }
  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int e = errno;
    const auto kind =
        (e == EACCES || e == EPERM) ? failure_kind::denied : failure_kind::unreachable;
    return failure{kind, "cannot connect to wssd at " + path + ": " + std::strerror(e)};
  }
  // Non-blocking, so that every wait is a poll with a deadline.
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
  return client(std::move(fd));
}

client::answer client::hello(duration timeout) {
  return call("hello", {}, timeout);
}

client::answer client::status(duration timeout) {
  return call("status", {}, timeout);
}

client::answer client::metrics(duration timeout) {
  return call("metrics", {}, timeout);
}

client::answer client::peers(duration timeout) {
  return call("peers", {}, timeout);
}

client::answer client::send(const std::vector<std::string>& to, const json::value& data,
                            duration timeout) {
  return call("send", {{"to", strings(to)}, {"data", data}}, timeout);
}

client::answer client::broadcast(const json::value& data, const std::vector<std::string>& exclude,
                                 duration timeout) {
  return call("broadcast", {{"data", data}, {"exclude", strings(exclude)}}, timeout);
}

client::answer client::set_private_id(const std::string& private_id, duration timeout) {
  return call("set_private_id", {{"private_id", private_id}}, timeout);
}

client::answer client::subscribe(const subscription& s, duration timeout) {
  json::object params{{"types", strings(s.types)}};
  if (!s.peers.empty()) params["peers"] = strings(s.peers);
  if (s.since) params["since"] = *s.since;
  if (!s.instance.empty()) params["instance"] = s.instance;
  if (!s.consumer.empty()) params["consumer"] = s.consumer;
  if (s.auto_ack) params["auto_ack"] = true;
  return call("subscribe", std::move(params), timeout);
}

client::outcome<bool> client::ack(std::uint64_t seq, duration timeout) {
  const auto sent =
      write_all(json::serialize(json::object{
                    {"jsonrpc", "2.0"}, {"method", "ack"}, {"params", {{"seq", seq}}}}) +
                    "\n",
                clock::now() + timeout);
  if (sent && !*sent) return failure{failure_kind::timeout, "ack: wssd took no request in time"};
  return sent;
}

client::answer client::unsubscribe(duration timeout) {
  return call("unsubscribe", {}, timeout);
}

client::answer client::reconnect(duration timeout) {
  return call("reconnect", {}, timeout);
}

client::answer client::rpc(const std::string& method, json::object params, duration timeout) {
  return call("rpc", {{"method", method}, {"params", std::move(params)}}, timeout);
}

client::answer client::call(const std::string& method, json::object params,
                            std::optional<duration> timeout) {
  deadline until;
  if (timeout) until = clock::now() + *timeout;
  const auto id = next_id_++;
  auto sent = write_all(proto::serialize_request(id, method, std::move(params)) + "\n", until);
  if (!sent) return sent.error();
  if (!*sent) return failure{failure_kind::timeout, method + ": wssd took no request in time"};
  while (true) {
    auto message = read_message(until);
    if (!message) return message.error();
    if (!*message) return failure{failure_kind::timeout, method + ": no answer from wssd in time"};
    auto& m = **message;
    if (!m.contains("id")) {
      if (const auto* p = m.if_contains("params"); p && p->is_object())
        events_.push_back(p->as_object());
      continue;
    }
    if (m["id"] != json::value(id)) continue;  // an answer to an error we could not tie: skip
    if (const auto* error = m.if_contains("error")) {
      auto e = proto::error_from_json(*error);
      if (!e)
        return failure{failure_kind::broken, "wssd sent a malformed error: " + e.error().what};
      return proto::rpc_result<json::value>(std::move(*e));
    }
    return proto::rpc_result<json::value>(m["result"]);
  }
}

client::outcome<std::optional<json::object>> client::next_event(std::optional<duration> timeout) {
  deadline until;
  if (timeout) until = clock::now() + *timeout;
  while (events_.empty()) {
    auto message = read_message(until);
    if (!message) return message.error();
    if (!*message) return std::optional<json::object>{};
    if (const auto* p = (*message)->if_contains("params");
        p && p->is_object() && !(*message)->contains("id")) {
      events_.push_back(p->as_object());
    }
  }
  auto e = std::move(events_.front());
  events_.pop_front();
  return std::optional<json::object>(std::move(e));
}

client::outcome<bool> client::wait_for(short events, deadline until) {
  while (true) {
    int wait_ms = -1;
    if (until) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*until - clock::now());
      if (left.count() <= 0) return false;
      wait_ms = static_cast<int>(left.count());
    }
    pollfd p{fd_.get(), events, 0};
    const int ready = ::poll(&p, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0)
      return failure{failure_kind::broken, std::string("poll: ") + std::strerror(errno)};
    if (ready > 0) return true;
  }
}

client::outcome<std::optional<json::object>> client::read_message(deadline until) {
  while (true) {
    if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
      auto line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      auto object = proto::parse_object(line);
      if (!object)
        return failure{failure_kind::broken, "wssd sent a bad line: " + object.error().what};
      return std::optional<json::object>(std::move(*object));
    }
    auto ready = wait_for(POLLIN, until);
    if (!ready) return ready.error();
    if (!*ready) return std::optional<json::object>{};
    char chunk[65536];
    const auto n = ::read(fd_.get(), chunk, sizeof(chunk));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return failure{failure_kind::unreachable, "wssd closed the connection"};
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

client::outcome<bool> client::write_all(const std::string& text, deadline until) {
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::send(fd_.get(), text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      auto ready = wait_for(POLLOUT, until);
      if (!ready) return ready.error();
      if (!*ready) return false;
      continue;
    }
    if (n < 0)
      return failure{failure_kind::unreachable,
                     std::string("cannot write to wssd: ") + std::strerror(errno)};
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace wssd
