// A restarted dbus-daemon: wssd keeps serving its socket through the outage, joins the new
// bus by itself, owns its name again and answers calls and sends signals there. A name
// someone else took meanwhile is asked for again until it is free.
#include <signal.h>
#include <systemd/sd-bus.h>

#include <algorithm>
#include <thread>

#include "ipc/client/client.hpp"
#include "ipc/dbus/sd_bus_ptr.hpp"
#include "tests/integration/dbus/dbus_fixture.hpp"

namespace wssd::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* name = "org.wssd.Session1";

bool has_name(const std::vector<std::string>& names, const std::string& wanted) {
  return std::find(names.begin(), names.end(), wanted) != names.end();
}

std::string socket_state(const std::string& socket) {
  auto c = client::connect(socket);
  if (!c) return "unreachable: " + c.error().what;
  auto a = c->status(5s);
  if (!a || !*a) return "no answer";
  return std::string((**a).as_object().at("state").as_string());
}

// Another process on the bus that holds `name` for as long as it lives.
class name_holder {
 public:
  name_holder(const std::string& address, const char* name) {
    sd_bus* raw = nullptr;
    if (sd_bus_new(&raw) < 0) return;
    bus_.reset(raw);
    if (sd_bus_set_address(raw, address.c_str()) < 0 || sd_bus_set_bus_client(raw, 1) < 0 ||
        sd_bus_start(raw) < 0) {
      return;
    }
    owns_ = sd_bus_request_name(raw, name, 0) >= 0;
  }
  bool owns() const { return owns_; }

 private:
  bus_ptr bus_;
  bool owns_ = false;
};

using dbus_rejoin_test = dbus_test;

TEST_F(dbus_rejoin_test, wssd_rejoins_a_restarted_bus_and_kept_its_socket_meanwhile) {
  const auto pid = private_id();
  ASSERT_FALSE(pid.empty());
  stop_bus();
  // The outage: wssd goes on, its socket answers, it is still online with the hub.
  ASSERT_TRUE(eventually([&] {
    return wssd_log().find("connection to the session bus is lost") != std::string::npos;
  })) << wssd_log();
  EXPECT_TRUE(wssd().running());
  EXPECT_EQ(socket_state(socket()), "online");
  std::this_thread::sleep_for(300ms);  // a few failed tries at a bus that is not there
  EXPECT_EQ(socket_state(socket()), "online");

  ASSERT_TRUE(start_bus());
  ASSERT_TRUE(eventually([&] { return has_name(bus_names(), name); }, patience)) << wssd_log();
  EXPECT_TRUE(wait_property("State", "online"));
  EXPECT_EQ(private_id(), pid);
  EXPECT_NE(wssd_log().find("D-Bus: org.wssd.Session1 on the session bus again"), std::string::npos)
      << wssd_log();

  // Calls and signals work on the new bus.
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto connected = monitor().wait_for([&](const json::object& m) {
    return is_signal(m, name, "PeerConnected") &&
           arguments(m).at(0) == json::value(peer->private_id());
  });
  EXPECT_TRUE(connected);
  const auto sent = call({"Send", "ass", "1", peer->private_id(), R"({"after":"restart"})"});
  EXPECT_EQ(sent.exit_code, 0) << sent.err;
  const auto direct = peer->wait_push([](const json::object& p) {
    return p.at("type") == json::value("direct") &&
           p.at("data") == json::value{{"after", "restart"}};
  });
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->at("from"), json::value(pid));
  EXPECT_TRUE(wssd().running());
}

TEST_F(dbus_rejoin_test, a_name_taken_meanwhile_is_asked_for_again_until_it_is_free) {
  // wssd stands still while the bus restarts and someone else takes its name first.
  wssd().signal(SIGSTOP);
  stop_bus();
  ASSERT_TRUE(start_bus());
  auto holder = std::make_unique<name_holder>(bus().address(), name);
  ASSERT_TRUE(holder->owns());
  wssd().signal(SIGCONT);

  ASSERT_TRUE(eventually([&] {
    return wssd_log().find("org.wssd.Session1 is owned by another process on the session bus") !=
           std::string::npos;
  })) << wssd_log();
  EXPECT_EQ(socket_state(socket()), "online");
  // Asked again with a backoff, never in a loop: a handful of tries in half a second.
  std::this_thread::sleep_for(500ms);
  std::size_t tries = 0;
  for (auto at = wssd_log().find("is owned by another process"); at != std::string::npos;
       at = wssd_log().find("is owned by another process", at + 1)) {
    ++tries;
  }
  EXPECT_LT(tries, 20u) << wssd_log();

  holder.reset();  // the other owner goes; wssd's next try gets the name
  ASSERT_TRUE(eventually([&] { return property("State") == json::value("online"); }, patience))
      << wssd_log();
  const auto peers = call({"GetPeers"});
  EXPECT_EQ(peers.exit_code, 0) << peers.err;
}

}  // namespace
}  // namespace wssd::test
