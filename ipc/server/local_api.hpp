// The methods of the local socket protocol, mapped onto the service.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "daemon/service/service.hpp"
#include "ipc/server/local_connection.hpp"
#include "proto/local_protocol.hpp"

namespace wssd {

class local_api {
 public:
  // `server_status` adds the face's fields to `status`; `metrics_text` is the exposition.
  local_api(service& s, std::function<boost::json::object()> server_status,
            std::function<std::string()> metrics_text);

  void handle(local_connection& client, std::string_view line);
  // The connection is going: the consumer it held is free again.
  void closed(local_connection& client) { release_consumer(client); }

 private:
  using reply = service::reply;
  enum class needs { nothing, read, send };
  using method = void (local_api::*)(local_connection&, const proto::local_request&, reply);

  void hello(local_connection&, const proto::local_request&, reply);
  void status(local_connection&, const proto::local_request&, reply);
  void peers(local_connection&, const proto::local_request&, reply);
  void send(local_connection&, const proto::local_request&, reply);
  void broadcast(local_connection&, const proto::local_request&, reply);
  void set_private_id(local_connection&, const proto::local_request&, reply);
  void subscribe(local_connection&, const proto::local_request&, reply);
  void unsubscribe(local_connection&, const proto::local_request&, reply);
  void ack(local_connection&, const proto::local_request&, reply);
  void rpc(local_connection&, const proto::local_request&, reply);
  void reconnect(local_connection&, const proto::local_request&, reply);
  void metrics(local_connection&, const proto::local_request&, reply);

  void release_consumer(local_connection& client);

  service& service_;
  std::function<boost::json::object()> server_status_;
  std::function<std::string()> metrics_text_;
  std::map<std::string, std::pair<needs, method>, std::less<>> methods_;
};

}  // namespace wssd
