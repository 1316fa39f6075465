// A blocking client of wssd's local socket, for wssctl, tests and C++ programs. Every call
// waits at most its timeout: a frozen daemon costs the caller a timeout, never a hang.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/common/unique_fd.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class client {
 public:
  using duration = std::chrono::milliseconds;

  enum class failure_kind {
    unreachable,  // no daemon there, or it went away
    denied,       // the socket's permissions keep us out
    timeout,      // no answer in time
    invalid,      // what we were asked to do cannot be done (a socket path too long)
    broken        // the daemon said something that makes no sense
  };
  struct failure {
    failure_kind kind;
    std::string what;
  };
  template <class T>
  using outcome = boost::system::result<T, failure>;
  // A call's outcome: wssd's JSON-RPC answer (a result or an error, both values), or why
  // there was none.
  using answer = outcome<proto::rpc_result<boost::json::value>>;

  static outcome<client> connect(const std::string& path);

  answer hello(duration timeout);
  answer status(duration timeout);
  // {content_type, text}: the Prometheus text exposition, rendered by wssd.
  answer metrics(duration timeout);
  answer peers(duration timeout);
  answer send(const std::vector<std::string>& to, const boost::json::value& data, duration timeout);
  answer broadcast(const boost::json::value& data, const std::vector<std::string>& exclude,
                   duration timeout);
  answer set_private_id(const std::string& private_id, duration timeout);
  struct subscription {
    std::vector<std::string> types;  // empty: all
    std::vector<std::string> peers;  // empty: all
    std::optional<std::uint64_t> since;
    std::string instance;  // whose numbering `since` is in
    std::string consumer;  // a durable consumer to read as: it resumes where it acked
    bool auto_ack = false;
  };
  answer subscribe(const subscription& s, duration timeout);
  answer unsubscribe(duration timeout);
  // The subscription's consumer has finished every event up to `seq`. Not answered: it costs
  // no round trip.
  outcome<bool> ack(std::uint64_t seq, duration timeout);
  answer reconnect(duration timeout);
  answer rpc(const std::string& method, boost::json::object params, duration timeout);

  // Any method, for what this library does not name (a newer wssd's). Events that arrive
  // meanwhile are kept for next_event().
  answer call(const std::string& method, boost::json::object params,
              std::optional<duration> timeout = {});
  // The next event's params; an empty optional when the timeout passed first.
  outcome<std::optional<boost::json::object>> next_event(std::optional<duration> timeout = {});

 private:
  using deadline = std::optional<std::chrono::steady_clock::time_point>;

  explicit client(unique_fd fd) : fd_(std::move(fd)) {}
  outcome<std::optional<boost::json::object>> read_message(deadline until);
  outcome<bool> write_all(const std::string& text, deadline until);
  // Waits until the socket is ready for `events`; false when the deadline passed first.
  outcome<bool> wait_for(short events, deadline until);

  unique_fd fd_;
  std::string buffer_;
  std::uint64_t next_id_ = 1;
  std::deque<boost::json::object> events_;
};

// The socket to use when none is given: WSSD_SOCKET, the user instance's, then the system's;
// those of instance NAME (NAME.sock) when `instance` is not empty.
std::string default_client_socket(std::string_view instance = {});

}  // namespace wssd
