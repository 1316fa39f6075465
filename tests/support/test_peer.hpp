// A scripted peer on the hub, speaking the WSS protocol over the test WebSocket client: it
// plays the other side of wssd in integration tests.
#pragma once

#include <boost/json/object.hpp>
#include <deque>
#include <optional>
#include <string>

#include "tests/support/ws_test_client.hpp"

namespace wssd::test {

class test_peer {
 public:
  explicit test_peer(tls_options tls = {}) : ws_(std::move(tls)) {}

  // Handshake and connect on one socket; false (with the reason in last_error()) on failure.
  bool join(const std::string& url, boost::json::object options = {{"wss", true}});
  const std::string& private_id() const { return private_id_; }
  const boost::json::object& connect_result() const { return connect_result_; }

  // A request; pushes that arrive before its answer are kept for next_push().
  std::optional<boost::json::object> request(const std::string& method, boost::json::object params);
  bool send_direct(const std::string& to, const boost::json::value& data);
  bool broadcast(const boost::json::value& data);
  bool set_private_id(const std::string& pid);

  // The next push's result object ({"type":…}), or nullopt after the timeout.
  std::optional<boost::json::object> next_push(std::chrono::milliseconds timeout = default_timeout);
  // Skips pushes until one satisfies `match`.
  std::optional<boost::json::object> wait_push(
      const std::function<bool(const boost::json::object&)>& match,
      std::chrono::milliseconds timeout = default_timeout);

  ws_test_client& ws() { return ws_; }
  const std::string& last_error() const { return last_error_; }

 private:
  boost::json::object with_tokens(boost::json::object params) const;
  // The next frame that is a JSON object, before `deadline`.
  std::optional<boost::json::object> receive_object(std::chrono::steady_clock::time_point deadline);

  ws_test_client ws_;
  std::string user_token_, server_token_, private_id_, last_error_;
  boost::json::object connect_result_;
  std::deque<boost::json::object> pushes_;
  int next_id_ = 1;
};

}  // namespace wssd::test
