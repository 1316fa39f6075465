// The local socket: accepts clients, applies the access policy and the client limit, and fans
// every event out to the subscribed clients.
#pragma once

#include <asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "daemon/service.hpp"
#include "ipc/access_policy.hpp"
#include "ipc/local_api.hpp"
#include "ipc/local_client.hpp"
#include "ipc/unix_listener.hpp"

namespace wssd {

class socket_server {
 public:
  socket_server(const config& c, service& s, std::unique_ptr<unix_listener> listener);
  ~socket_server();

  void start();
  void stop();
  std::size_t clients() const { return clients_.size(); }

 private:
  void accept();
  void admit(local_client::socket s);
  void fan_out(const event_log::appended& a);
  void forget(local_client* client);

  const config& config_;
  service& service_;
  std::unique_ptr<unix_listener> listener_;
  access_policy policy_;
  local_api api_;
  std::map<local_client*, std::shared_ptr<local_client>> clients_;
  bool fanning_out_ = false;
  std::vector<local_client*> closed_while_fanning_out_;
  std::uint64_t listener_token_ = 0;
  bool stopped_ = false;
};

}  // namespace wssd
