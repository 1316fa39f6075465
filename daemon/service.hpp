// What wssd offers local processes, behind every face (Unix socket, D-Bus): one
// implementation of each command, with one set of argument checks.
#pragma once

#include <asio/io_context.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/event_log.hpp"
#include "daemon/outbox.hpp"
#include "daemon/session.hpp"
#include "daemon/state_store.hpp"

namespace wssd {

class service {
 public:
  using reply = session::reply;

  service(asio::io_context& io, const config& c, std::unique_ptr<transport> link);

  std::error_code start();
  void stop(std::function<void()> done);

  boost::json::object status() const;
  boost::json::array peers() const;

  // Each checks its arguments (an invalid-params error names what is wrong), then waits in the
  // outbox for the session; `bytes` is the caller's estimate of the command's size.
  // `ttl` overrides outbox.ttl (a face whose callers give up sooner asks for less).
  void send(std::vector<std::string> to, boost::json::value data, std::size_t bytes, reply done,
            std::optional<seconds> ttl = {});
  void broadcast(boost::json::value data, std::vector<std::string> exclude, std::size_t bytes,
                 reply done, std::optional<seconds> ttl = {});
  void set_private_id(std::string private_id, reply done, std::optional<seconds> ttl = {});
  // Any other server method, now (no waiting: its meaning is the caller's).
  void rpc(std::string method, boost::json::value params, reply done);
  void reconnect();

  // What can change while running (SIGHUP): timeouts, pings, backoff, outbox and ring limits.
  void reconfigure(const config& c);

  event_log& events() { return events_; }
  const session& engine() const { return session_; }

 private:
  void refuse(reply done, std::string why);
  void set_private_id_for_rpc(const boost::json::value& params, reply done);

  asio::io_context& io_;
  state_store store_;
  event_log events_;
  session session_;
  outbox outbox_;
  std::size_t rpc_in_flight_ = 0;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace wssd
