// Shared by the local gateway's integration tests: a real wss-hub, a real wssd on it, scripted
// peers, and small helpers to speak JSON-RPC over wssd's socket (through the client library or
// a raw socket).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/daemon_process.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/raw_socket.hpp"
#include "tests/support/test_peer.hpp"

namespace wssd::test {

namespace json = boost::json;
using namespace std::chrono_literals;

// The longest any single wait in these tests may take.
inline constexpr std::chrono::milliseconds patience = 10s;

using answer = proto::rpc_result<json::value>;

// wssd's answer to `method`: its result or its JSON-RPC error. No answer at all (a broken
// connection, nothing within `patience`) fails the test and comes back as an error with code 0.
answer call(client& c, const std::string& method, json::object params = {});
// The result of a call that must succeed (a failure of the test otherwise, and null).
json::value result_of(client& c, const std::string& method, json::object params = {});

// One JSON-RPC request line, '\n' included, for raw sockets.
std::string request_line(const json::value& id, const std::string& method,
                         json::object params = {});
// The next line of a raw socket, which must be a JSON object.
std::optional<json::object> read_object(raw_socket& s, std::chrono::milliseconds limit = patience);
// The objects of a JSON Lines text (what `wssctl --json` prints), in order.
std::vector<json::object> json_lines(const std::string& text);

// The error member of a response object, or an empty object.
json::object error_in(const json::object& response);

// Whether `event` is a message event of `kind` from `from` carrying `data`.
bool is_message(const json::object& event, const std::string& kind, const std::string& from,
                const json::value& data);

// A client subscribed to wssd's events with `params` (types, peers, since).
class subscriber {
 public:
  explicit subscriber(const daemon_process& d, json::object params = {});

  // The seq subscribe answered with.
  std::uint64_t seq() const { return seq_; }
  std::optional<json::object> next(std::chrono::milliseconds limit = patience);
  // Skips events until one of `type`.
  std::optional<json::object> next_of(const std::string& type,
                                      std::chrono::milliseconds limit = patience);
  // True if no event is waiting: a request's round trip first flushes what wssd had queued.
  bool nothing_pending();
  client& connection() { return client_; }

 private:
  client client_;
  std::uint64_t seq_ = 0;
};

// `wssctl --json monitor ARGS` running in the background, its output in a file.
class monitor_process {
 public:
  explicit monitor_process(const std::string& socket, std::vector<std::string> args = {});

  // The events printed so far.
  std::vector<json::object> events() const { return json_lines(output()); }
  // Waits until it printed an event that satisfies `match`, and returns that event.
  std::optional<json::object> wait_for(const std::function<bool(const json::object&)>& match,
                                       std::chrono::milliseconds limit = patience) const;
  child_process& process() { return process_; }
  std::string output() const { return read_file(output_ / "out"); }
  std::string errors() const { return read_file(output_ / "err"); }

 private:
  temp_dir output_;
  child_process process_;
};

class gateway_test : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(hub_.start()); }

  // Starts wssd on the hub (`config` over the fast test defaults); true once it is online.
  bool start_wssd(json::object config = {});
  daemon_process& wssd() { return *wssd_; }
  const daemon_process& wssd() const { return *wssd_; }
  // A new peer on the hub, already in wssd's peer list; nullptr (and a failure) otherwise.
  test_peer* join_peer(json::object options = {{"wss", true}});
  // Whether wssd's peer list holds `private_id`.
  bool knows_peer(const std::string& private_id) const;
  // The next push to `peer` that is a message of `kind` carrying `data`.
  static std::optional<json::object> wait_message(test_peer& peer, const std::string& kind,
                                                  const json::value& data);

  hub_process hub_;
  temp_dir dir_;
  std::unique_ptr<daemon_process> wssd_;
  std::vector<std::unique_ptr<test_peer>> peers_;
};

}  // namespace wssd::test
