// wssd's D-Bus face end to end: a private dbus-daemon, the real wss-hub, the real wssd on
// --bus session, and busctl as the client (calls, properties, and `busctl monitor` for
// signals and error names, which `busctl call` does not print).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/test_peer.hpp"

namespace wssd::test {

namespace json = boost::json;

inline constexpr std::chrono::milliseconds patience{10000};

// A dbus-daemon of the test's own, listening on a socket in `dir`. Its policy allows
// everything, eavesdropping included, so that `busctl monitor` (BecomeMonitor) works; the
// configuration file `include`, if given, comes after and overrides that.
class private_bus {
 public:
  explicit private_bus(const temp_dir& dir, const std::string& include = {});
  bool ready() const { return ready_; }
  const std::string& address() const { return address_; }
  child_process& process() { return *process_; }

 private:
  std::string address_;
  std::unique_ptr<child_process> process_;
  bool ready_ = false;
};

// A busctl run on the private bus; `--json=short` output is parsed by the helpers below.
command_result run_busctl(const std::string& address, std::vector<std::string> args);

// `busctl monitor --json=short org.wssd.Session1`: every message to and from wssd, one JSON
// object per line.
class bus_monitor {
 public:
  explicit bus_monitor(const std::string& address);
  bool ready() const { return ready_; }

  std::vector<json::object> messages() const;
  // Waits for a message after the first `skip` that satisfies `match`.
  std::optional<json::object> wait_for(const std::function<bool(const json::object&)>& match,
                                       std::size_t skip = 0,
                                       std::chrono::milliseconds limit = patience) const;
  // The error name wssd answered a call to `member` with, the call being the first one whose
  // payload satisfies `match`.
  std::optional<std::string> error_for(const std::string& member,
                                       const std::function<bool(const json::array&)>& match) const;

 private:
  temp_dir output_;
  std::unique_ptr<child_process> process_;
  bool ready_ = false;
};

class dbus_test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts wssd on the hub and the private bus; `extra` follows the usual arguments.
  std::unique_ptr<child_process> start_wssd(const temp_dir& dir,
                                            std::vector<std::string> extra = {},
                                            std::map<std::string, std::string> env = {}) const;
  // The same on another hub: a second identity for another server.
  std::unique_ptr<child_process> start_wssd_on(const hub_process& hub, const temp_dir& dir,
                                               std::vector<std::string> extra = {},
                                               std::map<std::string, std::string> env = {}) const;

  command_result busctl(std::vector<std::string> args) const;
  // The same, left running: for calls that wait.
  std::unique_ptr<child_process> start_busctl(const temp_dir& output,
                                              std::vector<std::string> args) const;
  // `busctl call` on wssd's object: METHOD SIGNATURE ARGUMENTS...
  command_result call(std::vector<std::string> method_and_arguments) const;
  // The same on the wssd that owns `destination` (an instance's org.wssd.Session1.i_NAME).
  command_result call_on(const std::string& destination,
                         std::vector<std::string> method_and_arguments) const;
  // A property's value (the "data" of `busctl --json=short get-property`).
  std::optional<json::value> property(const std::string& name) const;
  // The same from the wssd that owns `bus_name` (an instance's org.wssd.Session1.i_NAME).
  std::optional<json::value> property_of(const std::string& bus_name,
                                         const std::string& name) const;
  // The well-known names on the bus now (`busctl list`).
  std::vector<std::string> bus_names() const;
  // dbus-daemon goes away (SIGTERM, as `systemctl restart dbus` does) ...
  void stop_bus();
  // ... and a new one listens on the same address; the monitor follows it there.
  bool start_bus();
  bool wait_property(const std::string& name, const json::value& value,
                     std::chrono::milliseconds limit = patience) const;
  std::string private_id() const;
  // A new peer on the hub, once wssd's Peers holds it; nullptr (and a failure) otherwise.
  test_peer* join_peer();

  bus_monitor& monitor() { return *monitor_; }
  hub_process& hub() { return hub_; }
  private_bus& bus() { return *bus_; }
  child_process& wssd() { return *wssd_; }
  std::string socket() const { return dir_ / "wssd.sock"; }
  const temp_dir& dir() const { return dir_; }
  std::string wssd_log() const { return read_file(dir_ / "wssd.log"); }

 private:
  temp_dir dir_;
  std::unique_ptr<private_bus> bus_;
  hub_process hub_;
  std::unique_ptr<child_process> wssd_;
  std::unique_ptr<bus_monitor> monitor_;
  std::vector<std::unique_ptr<test_peer>> peers_;
};

// Whether a monitored message is the signal `member` of `interface`.
bool is_signal(const json::object& message, const std::string& interface,
               const std::string& member);
// The payload's arguments ("data") of a monitored message.
const json::array& arguments(const json::object& message);

}  // namespace wssd::test
