// Idempotent submits: a send or broadcast with a client's msg_id that comes again within the
// window (a client retrying after its own connection to wssd dropped, or after wssd restarted)
// is not sent twice: it waits for the first one's outcome, or gets it at once.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/service/durability.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class submit_registry {
 public:
  using reply = std::function<void(proto::rpc_result<boost::json::value>)>;
  static constexpr auto window = std::chrono::minutes(10);
  static constexpr std::size_t max_remembered = 100000;

  // `store` keeps the outcomes across restarts (the durable store's, or null).
  submit_registry(asio::io_context& io, submit_store* store);

  // The first submit with `msg_id`: returns the reply to give the command, which records the
  // outcome and answers every retry with it. A repeat: returns nullopt, and `done` gets the
  // first one's outcome (now, or once it is known).
  std::optional<reply> begin(const std::string& msg_id, reply done);

 private:
  struct entry {
    std::optional<proto::rpc_result<boost::json::value>> outcome;
    std::vector<reply> waiting;
    wall_clock::time_point at;
  };
  void finished(const std::string& msg_id, const proto::rpc_result<boost::json::value>& outcome);
  void forget_old();

  asio::io_context& io_;
  submit_store* store_;
  std::map<std::string, entry, std::less<>> entries_;
  asio::steady_timer timer_;
};

}  // namespace wssd
