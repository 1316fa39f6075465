// org.wssd.Session1 through busctl: properties, methods, signals, errors and name ownership.
#include <signal.h>

#include <regex>

#include "ipc/client/client.hpp"
#include "tests/integration/dbus/dbus_fixture.hpp"
#include "tests/support/raw_socket.hpp"

namespace wssd::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* interface = "org.wssd.Session1";
constexpr const char* object_path = "/org/wssd/Session1";

bool is_private_id(const std::string& s) {
  return std::regex_match(s, std::regex("[0-9a-f]{64}"));
}

auto direct_with(const json::value& data) {
  return [data](const json::object& p) {
    const auto* d = p.if_contains("data");
    return p.at("type") == json::value("direct") && d && *d == data;
  };
}

// The State a PropertiesChanged of wssd's interface announces, if it announces one.
std::optional<std::string> announced_state(const json::object& m) {
  if (!is_signal(m, "org.freedesktop.DBus.Properties", "PropertiesChanged")) return std::nullopt;
  const auto& args = arguments(m);
  if (args.at(0) != json::value(interface)) return std::nullopt;
  const auto* state = args.at(1).as_object().if_contains("State");
  if (!state) return std::nullopt;
  return std::string(state->at("data").as_string());
}

TEST_F(dbus_test, properties_show_the_identity_and_the_server) {
  EXPECT_TRUE(is_private_id(private_id())) << private_id();
  EXPECT_EQ(property("Server"), json::value(hub().ws_url()));
  EXPECT_EQ(property("Reconnects"), json::value(0));
  EXPECT_EQ(property("Peers"), json::value(json::array{}));
}

// A local client holding one read buffer's worth of a request never stalls the bus face.
TEST_F(dbus_test, a_stuck_socket_client_does_not_stall_d_bus) {
  auto stuck = raw_socket::connect(socket());
  ASSERT_TRUE(stuck);
  ASSERT_TRUE(stuck->send(std::string(64 * 1024, 'x')));  // no newline, and it holds on
  const auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(property("State"), json::value("online"));
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto sent = call({"Send", "ass", "1", peer->private_id(), "\"while one is stuck\""});
  EXPECT_EQ(sent.exit_code, 0) << sent.err;
  EXPECT_TRUE(peer->wait_push(direct_with("while one is stuck")));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
}

TEST_F(dbus_test, get_peers_lists_a_peer_with_its_options) {
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  auto r = call({"GetPeers"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto reply = proto::parse_object(r.out);
  ASSERT_TRUE(reply) << r.out;
  EXPECT_EQ(reply->at("type"), json::value("a(ss)"));
  const auto& peers = reply->at("data").at(0).as_array();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers.at(0).at(0), json::value(peer->private_id()));
  EXPECT_EQ(json::parse(peers.at(0).at(1).as_string()), (json::value{{"wss", true}}));

  const auto connected = monitor().wait_for([&](const json::object& m) {
    return is_signal(m, interface, "PeerConnected") &&
           arguments(m).at(0) == json::value(peer->private_id());
  });
  ASSERT_TRUE(connected);
  EXPECT_EQ(json::parse(arguments(*connected).at(1).as_string()), (json::value{{"wss", true}}));
}

TEST_F(dbus_test, send_reaches_the_peer_under_wssds_private_id) {
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  auto r = call({"Send", "ass", "1", peer->private_id(), R"({"card":"7h"})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto direct = peer->wait_push(direct_with(json::value{{"card", "7h"}}));
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->at("from"), json::value(private_id()));
  EXPECT_EQ(property("MessagesOut"), json::value(1));
  EXPECT_EQ(wssd().stop(), 0);
}

TEST_F(dbus_test, broadcast_reaches_every_peer_but_the_excluded) {
  auto* one = join_peer();
  auto* two = join_peer();
  ASSERT_TRUE(one && two);
  auto r = call({"Broadcast", "sas", R"("all but two")", "1", two->private_id()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = one->wait_push([](const json::object& p) {
    return p.at("type") == json::value("broadcast") && p.at("data") == json::value("all but two");
  });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->at("from"), json::value(private_id()));
  EXPECT_FALSE(two->wait_push(
      [](const json::object& p) { return p.at("type") == json::value("broadcast"); }, 500ms));
}

TEST_F(dbus_test, a_peers_message_is_a_message_received_signal) {
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  ASSERT_TRUE(peer->send_direct(private_id(), json::value{{"hello", "dbus"}}));
  const auto received = monitor().wait_for(
      [](const json::object& m) { return is_signal(m, interface, "MessageReceived"); });
  ASSERT_TRUE(received);
  const auto& args = arguments(*received);
  EXPECT_EQ(received->at("payload").at("type"), json::value("ssst"));
  EXPECT_EQ(args.at(0), json::value("direct"));
  EXPECT_EQ(args.at(1), json::value(peer->private_id()));
  EXPECT_EQ(json::parse(args.at(2).as_string()), (json::value{{"hello", "dbus"}}));
  EXPECT_GT(args.at(3).to_number<std::uint64_t>(), 0u);
  EXPECT_EQ(property("MessagesIn"), json::value(1));
}

TEST_F(dbus_test, invalid_json_is_refused_and_nothing_is_sent) {
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  auto r = call({"Send", "ass", "1", peer->private_id(), R"({"card":)"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("json:"), std::string::npos) << r.err;
  const auto error = monitor().error_for(
      "Send", [](const json::array& args) { return args.at(1) == json::value(R"({"card":)"); });
  EXPECT_EQ(error, "org.wssd.Session1.Error.InvalidJson");
  EXPECT_FALSE(peer->wait_push(
      [](const json::object& p) { return p.at("type") == json::value("direct"); }, 500ms));
}

TEST_F(dbus_test, empty_recipients_and_empty_ids_are_invalid_arguments) {
  auto r = call({"Send", "ass", "0", R"("nobody")"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no recipients"), std::string::npos) << r.err;
  EXPECT_EQ(monitor().error_for(
                "Send", [](const json::array& args) { return args.at(0).as_array().empty(); }),
            "org.wssd.Session1.Error.InvalidArgument");

  r = call({"SetPrivateID", "s", ""});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(
      monitor().error_for("SetPrivateID",
                          [](const json::array& args) { return args.at(0) == json::value(""); }),
      "org.wssd.Session1.Error.InvalidArgument");
}

TEST_F(dbus_test, set_private_id_changes_the_property_and_announces_it) {
  const auto skip = monitor().messages().size();
  auto r = call({"SetPrivateID", "s", "dbus-test-identity"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(private_id(), "dbus-test-identity");
  const auto changed = monitor().wait_for(
      [](const json::object& m) {
        if (!is_signal(m, "org.freedesktop.DBus.Properties", "PropertiesChanged")) return false;
        const auto* pid = arguments(m).at(1).as_object().if_contains("PrivateID");
        return pid && pid->at("data") == json::value("dbus-test-identity");
      },
      skip);
  EXPECT_TRUE(changed);
}

TEST_F(dbus_test, state_changes_are_announced_when_the_hub_goes_and_comes_back) {
  const auto skip = monitor().messages().size();
  hub().kill();
  const auto down = monitor().wait_for(
      [](const json::object& m) {
        auto state = announced_state(m);
        return state && *state != "online";
      },
      skip);
  ASSERT_TRUE(down);
  const auto after_down = monitor().messages().size();
  ASSERT_TRUE(hub().start());
  const auto up = monitor().wait_for(
      [](const json::object& m) { return announced_state(m) == "online"; }, after_down);
  ASSERT_TRUE(up);
  EXPECT_EQ(property("State"), json::value("online"));
  EXPECT_EQ(property("Reconnects"), json::value(1));
}

// wssd's own status over the socket, as a check on what D-Bus says.
std::optional<json::object> socket_status(const std::string& socket) {
  auto c = client::connect(socket);
  if (!c) return std::nullopt;
  auto answer = c->call("status", {}, 5s);
  if (!answer || !*answer) return std::nullopt;
  return (**answer).as_object();
}

auto call_carrying(const std::string& member, const std::string& json_text) {
  return [member, json_text](const json::object& m) {
    const auto* name = m.if_contains("member");
    return m.at("type") == json::value("method_call") && name && *name == json::value(member) &&
           arguments(m).at(1) == json::value(json_text);
  };
}

TEST_F(dbus_test, a_send_that_waits_offline_past_the_ttl_expires) {
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  hub().kill();
  ASSERT_TRUE(eventually([&] { return property("State") != json::value("online"); }));
  auto r = call({"Send", "ass", "1", peer->private_id(), R"("too late")"});  // outbox.ttl is 2 s
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(monitor().error_for(
                "Send",
                [](const json::array& args) { return args.at(1) == json::value(R"("too late")"); }),
            "org.wssd.Session1.Error.Expired");
}

TEST_F(dbus_test, calls_still_waiting_are_answered_when_wssd_stops) {
  hub().kill();
  ASSERT_TRUE(eventually([&] { return property("State") != json::value("online"); }));
  temp_dir out;
  auto waiting = start_busctl(out, {"call", interface, object_path, interface, "Send", "ass", "1",
                                    "somebody", R"("never")"});
  ASSERT_TRUE(monitor().wait_for(call_carrying("Send", R"("never")")));
  ASSERT_TRUE(eventually([&] {
    auto s = socket_status(socket());
    return s && s->at("queue").at("depth") == json::value(1);
  }));
  wssd().signal(SIGTERM);
  EXPECT_EQ(waiting->wait(patience), 1);
  EXPECT_NE(read_file(out / "err").find("wssd is stopping"), std::string::npos)
      << read_file(out / "err");
  EXPECT_EQ(
      monitor().error_for(
          "Send", [](const json::array& args) { return args.at(1) == json::value(R"("never")"); }),
      "org.wssd.Session1.Error.Offline");
  EXPECT_EQ(wssd().wait(patience), 0);
}

TEST_F(dbus_test, wssd_carries_on_when_the_bus_goes_away) {
  bus().process().stop();
  EXPECT_TRUE(eventually([&] {
    return wssd_log().find("the connection to the session bus is lost") != std::string::npos;
  }));
  EXPECT_TRUE(wssd().running());
  const auto status = socket_status(socket());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->at("state"), json::value("online"));
  EXPECT_EQ(wssd().stop(), 0);  // and it still stops cleanly
}

TEST_F(dbus_test, reconnect_comes_back_online) {
  auto r = call({"Reconnect"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(wait_property("Reconnects", 1));
  EXPECT_TRUE(wait_property("State", "online"));
}

TEST_F(dbus_test, a_second_wssd_on_the_bus_refuses_to_start) {
  temp_dir other;
  auto second = start_wssd(other);
  EXPECT_EQ(second->wait(patience), 1);
  EXPECT_NE(read_file(other / "wssd.log")
                .find("D-Bus name org.wssd.Session1 is already owned on the session bus: is "
                      "another wssd running?"),
            std::string::npos)
      << read_file(other / "wssd.log");
  EXPECT_EQ(property("State"), json::value("online"));  // the first one is unharmed
}

TEST_F(dbus_test, no_bus_at_the_address_is_a_clear_start_up_error) {
  temp_dir other;
  auto lonely =
      start_wssd(other, {}, {{"DBUS_SESSION_BUS_ADDRESS", "unix:path=" + (other / "no-bus")}});
  EXPECT_EQ(lonely->wait(patience), 1);
  EXPECT_NE(read_file(other / "wssd.log").find("cannot connect to the session bus"),
            std::string::npos)
      << read_file(other / "wssd.log");
}

}  // namespace
}  // namespace wssd::test
