// The optional metrics listener (metrics.listen): serves GET /metrics, the Prometheus text
// exposition, over loopback TCP or a Unix socket, on the event loop. It must never stall the
// daemon: every connection is non-blocking and has a deadline, a request head is read up to a
// bound, and only so many connections are open at once (the next ones are closed at once).
// Each connection answers one request and closes.
#pragma once

#include <asio/basic_socket_acceptor.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/config/listen_address.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class metrics_listener {
 public:
  using producer = std::function<std::string()>;
  struct limits {
    std::size_t max_head = 8 * 1024;           // request line and headers
    std::chrono::milliseconds deadline{5000};  // for the whole exchange
    std::size_t max_connections = 16;
  };

  static proto::parsed<std::unique_ptr<metrics_listener>> open(asio::io_context& io,
                                                               const listen_address& where,
                                                               producer metrics, limits l);
  ~metrics_listener();
  metrics_listener(const metrics_listener&) = delete;
  metrics_listener& operator=(const metrics_listener&) = delete;

  // Takes no new connections, and closes those open.
  void stop();
  const std::string& name() const { return name_; }

 private:
  class connection;
  using protocol = asio::generic::stream_protocol;

  metrics_listener(asio::io_context& io, producer metrics, limits l);
  proto::parsed<bool> bind(const listen_address& where);
  void accept();

  asio::basic_socket_acceptor<protocol> acceptor_;
  asio::steady_timer retry_;
  producer metrics_;
  limits limits_;
  std::string name_;       // for the log
  std::string unix_path_;  // removed again at the end
  bool accepting_ = false;
  std::shared_ptr<std::size_t> open_ = std::make_shared<std::size_t>(0);
  std::vector<std::weak_ptr<connection>> connections_;
};

}  // namespace wssd
