// A blocking client of wssd's local socket, for wssctl, tests and C++ programs.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <string>

#include "daemon/unique_fd.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class client {
 public:
  using duration = std::chrono::milliseconds;

  enum class failure_kind { unreachable, denied, timeout, broken };
  struct failure {
    failure_kind kind;
    std::string what;
  };
  template <class T>
  using outcome = boost::system::result<T, failure>;

  static outcome<client> connect(const std::string& path);

  // Sends one request and waits for its answer; events that arrive meanwhile are kept for
  // next_event(). A JSON-RPC error from wssd is a value inside the result.
  outcome<proto::rpc_result<boost::json::value>> call(const std::string& method,
                                                      boost::json::object params,
                                                      std::optional<duration> timeout = {});
  // The next event's params; an empty optional when the timeout passed first.
  outcome<std::optional<boost::json::object>> next_event(std::optional<duration> timeout = {});

 private:
  explicit client(unique_fd fd) : fd_(std::move(fd)) {}
  outcome<std::optional<boost::json::object>> read_message(
      std::optional<std::chrono::steady_clock::time_point> deadline);
  outcome<bool> write_all(const std::string& text);

  unique_fd fd_;
  std::string buffer_;
  std::uint64_t next_id_ = 1;
  std::deque<boost::json::object> events_;
};

// The socket to use when none is given: WSSD_SOCKET, the user instance's, then the system's.
std::string default_client_socket();

}  // namespace wssd
