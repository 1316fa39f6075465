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

#include "daemon/config/config.hpp"
#include "daemon/service/consumers.hpp"
#include "daemon/service/durability.hpp"
#include "daemon/service/event_log.hpp"
#include "daemon/service/outbox.hpp"
#include "daemon/service/submits.hpp"
#include "daemon/session/session.hpp"
#include "daemon/session/state_store.hpp"

namespace wssd {

class service {
 public:
  using reply = session::reply;

  // The durable store's parts (daemon/store), or all null without one.
  struct durability {
    event_journal* journal = nullptr;
    command_spool* spool = nullptr;
    consumer_store* consumers = nullptr;
    submit_store* submits = nullptr;
    store_health* health = nullptr;
  };

  // `state` is the state directory, already taken (locked) by this daemon.
  service(asio::io_context& io, const config& c, std::unique_ptr<transport> link,
          state_store& state, durability d);

  // Sends what an earlier daemon spooled, then connects.
  void start();
  void stop(std::function<void()> done);

  // One view of the daemon, for every face to render.
  struct status_report {
    session_state state = session_state::offline;
    std::string server;
    std::string private_id;  // empty before the first session
    std::size_t peers = 0;
    std::chrono::seconds uptime{0};
    std::chrono::duration<double> online_for{0};  // zero unless online
    session_counters counters;
    std::uint64_t expired = 0;  // commands that waited in the outbox past their TTL
    std::uint64_t failed = 0;   // commands that ended with another error
    std::size_t queue_depth = 0;
    std::size_t queue_bytes = 0;
    std::chrono::duration<double> queue_oldest{0};  // how long the oldest command waited
    std::uint64_t seq = 0;
    std::size_t ring_events = 0;
    std::size_t ring_bytes = 0;
    std::uint64_t first_seq = 0;  // the oldest event still to be had (ring or journal)
    std::vector<consumer_registry::report> consumers;
    std::optional<store_report> store;  // with the durable store
  };
  status_report status() const;
  const peer_table& peers() const { return session_.peers(); }

  // Each checks its arguments (an invalid-params error names what is wrong), then waits in the
  // outbox for the session. `ttl` overrides outbox.ttl (a face whose callers give up sooner
  // asks for less). set_private_id answers {private_id}, the id the server confirmed.
  // A `msg_id` makes a retry within the window get the first one's outcome instead of a
  // second sending.
  void send(const std::vector<std::string>& to, const boost::json::value& data, reply done,
            std::optional<seconds> ttl = {}, const std::string& msg_id = {});
  void broadcast(const boost::json::value& data, const std::vector<std::string>& exclude,
                 reply done, std::optional<seconds> ttl = {}, const std::string& msg_id = {});
  void set_private_id(const std::string& private_id, reply done, std::optional<seconds> ttl = {});
  // Any other server method, now (no waiting: its meaning is the caller's).
  void rpc(std::string method, boost::json::value params, reply done);
  void reconnect();

  // What can change while running (SIGHUP): timeouts, pings, backoff, outbox and ring limits.
  void reconfigure(const config& c);

  event_log& events() { return events_; }
  consumer_registry& consumers() { return consumers_; }

 private:
  void refuse(reply done, std::string why);
  void set_private_id_for_rpc(const boost::json::value& params, reply done);
  void submit(proto::command c, reply done, std::optional<seconds> ttl, const std::string& msg_id);

  asio::io_context& io_;
  durability durable_;
  event_log events_;
  session session_;
  outbox outbox_;
  consumer_registry consumers_;
  submit_registry submits_;
  std::size_t rpc_in_flight_ = 0;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace wssd
