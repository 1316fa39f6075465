// Durable consumers: named positions in the event stream. A consumer resumes from the last
// event it acknowledged, across its own restarts and, with the store, wssd's; one connection
// at a time holds it. One unused for consumer_ttl is dropped.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/service/durability.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class consumer_registry {
 public:
  // `store` keeps the positions (the durable store's, or null: in memory only).
  consumer_registry(asio::io_context& io, consumer_store* store, seconds ttl);

  // Takes `name` for one connection and says where it resumes: after its last acknowledged
  // event, or, for a new consumer, after `since` (or after `last_seq`, from now on). Fails if
  // another connection holds it, or the name is not a name.
  struct binding {
    std::uint64_t acked = 0;
    bool created = false;
  };
  boost::system::result<binding, proto::rpc_error> bind(const std::string& name,
                                                        std::optional<std::uint64_t> since,
                                                        bool auto_ack, std::uint64_t last_seq);
  void release(const std::string& name);
  // Its position moves to `seq` (never back).
  void ack(const std::string& name, std::uint64_t seq);
  bool auto_ack(const std::string& name) const;

  struct report {
    std::string name;
    std::uint64_t acked = 0;
    bool connected = false;
    bool auto_ack = false;
  };
  std::vector<report> list() const;
  void set_ttl(seconds ttl) { ttl_ = ttl; }

 private:
  struct consumer {
    consumer_position position;
    bool bound = false;
  };
  void expire();

  consumer_store* store_;
  seconds ttl_;
  std::map<std::string, consumer, std::less<>> consumers_;
  asio::steady_timer timer_;
};

}  // namespace wssd
