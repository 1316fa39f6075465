// One process connected to the local socket: reads request lines, writes responses and
// events. Events are shared, immutable buffers written with writev; a client that does not
// keep up loses events (and is told how many by one `lagged` event once it catches up) and,
// past the hard limit, is disconnected. It never slows anyone else.
#pragma once

#include <array>
#include <asio/local/stream_protocol.hpp>
#include <boost/json/value.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "daemon/config.hpp"
#include "daemon/event_log.hpp"
#include "ipc/access_policy.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class local_client : public std::enable_shared_from_this<local_client> {
 public:
  using socket = asio::local::stream_protocol::socket;
  using line_handler = std::function<void(local_client&, std::string_view line)>;
  using close_handler = std::function<void(local_client&)>;

  struct subscription {
    std::set<std::string> types;  // empty: all
    std::set<std::string> peers;  // empty: all; events about no peer always pass
  };

  local_client(socket s, const ipc_config& c, peer_credentials who, rights may,
               line_handler on_line, close_handler on_close);

  void start();
  void close();

  // Responses are never dropped (a client that does not read them hits the hard limit).
  void send_response(const boost::json::value& id, proto::rpc_result<boost::json::value> outcome);
  void send_line(std::shared_ptr<const std::string> line);
  // Events go through the client's subscription and its lag rules.
  void deliver(const event_ptr& e);

  void subscribe(subscription s) { subscription_ = std::move(s); }
  void unsubscribe() { subscription_.reset(); }
  bool subscribed() const { return subscription_.has_value(); }

  const peer_credentials& credentials() const { return who_; }
  const rights& may() const { return may_; }

 private:
  void read();
  void drain();
  void consume(std::string_view data);
  void push(std::shared_ptr<const std::string> line);
  void flush();
  void written(std::size_t buffers, std::size_t bytes);
  bool wants(const event_record& e) const;

  socket socket_;
  const ipc_config& config_;
  peer_credentials who_;
  rights may_;
  line_handler on_line_;
  close_handler on_close_;
  bool closed_ = false;

  std::string partial_;
  bool discarding_ = false;  // inside an over-long line: skip to its end

  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool lagging_ = false;
  std::uint64_t dropped_ = 0;
  std::size_t dropped_bytes_ = 0;

  std::optional<subscription> subscription_;
};

}  // namespace wssd
