// Shared by the examples' tests: a real wss-hub and wssd, scripted peers, and an example
// running as a child process whose input the test types and whose output it reads.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
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
using namespace std::chrono_literals;

// The longest any single wait in these tests may take.
inline constexpr std::chrono::milliseconds patience = 10s;

// examples/NAME, from the source tree.
std::string example_path(const std::string& name);
// The program `name` as found on $PATH, or empty.
std::string find_on_path(const std::string& name);

// An example running in the background. Its standard input is a FIFO the test keeps open (so
// it never sees the end of its input) and writes lines to; its output goes to files.
class example_process {
 public:
  explicit example_process(std::vector<std::string> argv,
                           std::map<std::string, std::string> env = {});
  ~example_process();
  example_process(const example_process&) = delete;
  example_process& operator=(const example_process&) = delete;

  // Writes `line` and a newline to its standard input.
  bool type(const std::string& line);
  std::string output() const { return read_file(dir_ / "out"); }
  std::string errors() const { return read_file(dir_ / "err"); }
  // How many lines of its output contain `text`.
  std::size_t count(const std::string& text) const;
  // Waits until `count(text)` reaches `times`.
  bool wait_for(const std::string& text, std::size_t times = 1,
                std::chrono::milliseconds limit = patience) const;
  child_process& process() { return *process_; }
  // What it printed, for failure messages.
  std::string transcript() const;

 private:
  temp_dir dir_;
  int input_ = -1;
  std::unique_ptr<child_process> process_;
};

// The result of an example run to its end (bounded by `patience`).
command_result run_example(std::vector<std::string> argv,
                           std::map<std::string, std::string> env = {});

class example_test : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(hub_.start()); }
  void TearDown() override;

  // Starts wssd on the hub (its socket only, through daemon_process); true once it is online.
  bool start_wssd();
  // Starts wssd on the hub serving D-Bus on the session bus at `bus_address` as well; true
  // once it is online.
  bool start_wssd_on_bus(const std::string& bus_address);
  // Stops wssd and starts it again on the same state directory and socket; true once online.
  bool restart_wssd();
  std::string socket() const { return dir_ / "wssd.sock"; }
  // wssd's private id, from its status.
  std::string private_id() const;
  std::string wssd_log() const { return read_file(dir_ / "wssd.log"); }
  // A new peer on the hub, already in wssd's peer list; nullptr (and a failure) otherwise.
  test_peer* join_peer();
  bool knows_peer(const std::string& private_id) const;
  // Whether wssd's status says online.
  bool online() const;
  // Waits until `peer` got a message of `kind` carrying `data` from wssd's private id.
  bool peer_receives(test_peer& peer, const std::string& kind, const json::value& data);
  // Waits until wssd's event ring holds a message event carrying `data`.
  bool wssd_holds_message(const json::value& data);

  hub_process hub_;
  temp_dir dir_;
  std::unique_ptr<daemon_process> wssd_;
  std::unique_ptr<child_process> wssd_on_bus_;
  std::vector<std::unique_ptr<test_peer>> peers_;
};

}  // namespace wssd::test
