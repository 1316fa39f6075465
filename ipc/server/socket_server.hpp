// The local socket: accepts clients, applies the access policy and the client limit, and fans
// every event out to the subscribed clients.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "daemon/service/service.hpp"
#include "ipc/server/access_policy.hpp"
#include "ipc/server/local_api.hpp"
#include "ipc/server/local_connection.hpp"
#include "ipc/server/unix_listener.hpp"

namespace wssd {

class socket_server {
 public:
  socket_server(const config& c, service& s, std::unique_ptr<unix_listener> listener);
  ~socket_server();

  void start();
  // No new clients; those connected go on.
  void stop_accepting();
  // Every client reads no more and is closed once what it was sent is written; `done` runs
  // when none is left.
  void drain(std::function<void()> done);
  // ipc.access changed (SIGHUP): new clients and connected ones get the new rights.
  void reconfigure();
  std::size_t clients() const { return clients_.size(); }
  // The Prometheus exposition of the service and this face's clients.
  std::string metrics() const;

 private:
  void accept();
  void admit(local_connection::socket s);
  void fan_out(const event_log::appended& a);
  void forget(local_connection* client);

  const config& config_;
  service& service_;
  std::unique_ptr<unix_listener> listener_;
  access_policy policy_;
  client_counters counters_;
  local_api api_;
  std::map<local_connection*, std::shared_ptr<local_connection>> clients_;
  bool fanning_out_ = false;
  std::vector<local_connection*> closed_while_fanning_out_;
  std::uint64_t listener_token_ = 0;
  bool accepting_ = false;
  asio::steady_timer accept_retry_;
  std::chrono::milliseconds accept_delay_{0};
  std::function<void()> drained_;
};

}  // namespace wssd
