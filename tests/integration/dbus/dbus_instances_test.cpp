// Instances on one bus: wssd --instance a (on the fixture's hub) and --instance hub-2 (on a
// second hub) own org.wssd.Session1.i_a and org.wssd.Session1.i_hub_2d2 beside the default
// instance's org.wssd.Session1, each with its own identity behind the same object path and
// interface, each speaking for its own identity on its own hub.
#include <algorithm>

#include "tests/integration/dbus/dbus_fixture.hpp"

namespace wssd::test {
namespace {

using dbus_instances_test = dbus_test;

// Whether a Peers value (an array of (id, options...) structs) holds `private_id`.
bool lists(const std::optional<json::value>& peers, const std::string& private_id) {
  if (!peers || !peers->is_array()) return false;
  return std::any_of(peers->as_array().begin(), peers->as_array().end(), [&](const auto& p) {
    return p.is_array() && !p.as_array().empty() && p.as_array().at(0) == json::value(private_id);
  });
}

TEST_F(dbus_instances_test, two_instances_on_two_hubs_own_two_names_side_by_side) {
  hub_process hub_2;
  ASSERT_TRUE(hub_2.start());
  temp_dir dir_a, dir_b;
  auto a = start_wssd(dir_a, {"--instance", "a"});
  auto b = start_wssd_on(hub_2, dir_b, {"--instance", "hub-2"});
  const std::string name_a = "org.wssd.Session1.i_a";
  const std::string name_b = "org.wssd.Session1.i_hub_2d2";  // '-' is escaped as _2d
  ASSERT_TRUE(eventually([&] {
    const auto names = bus_names();
    return std::count(names.begin(), names.end(), name_a) == 1 &&
           std::count(names.begin(), names.end(), name_b) == 1 &&
           std::count(names.begin(), names.end(), "org.wssd.Session1") == 1;
  })) << read_file(dir_a / "wssd.log")
      << read_file(dir_b / "wssd.log");
  ASSERT_TRUE(eventually([&] { return property_of(name_a, "State") == json::value("online"); }));
  ASSERT_TRUE(eventually([&] { return property_of(name_b, "State") == json::value("online"); }));
  EXPECT_EQ(property_of(name_a, "Server"), json::value(hub().ws_url()));
  EXPECT_EQ(property_of(name_b, "Server"), json::value(hub_2.ws_url()));
  const auto pid_a = property_of(name_a, "PrivateID");
  const auto pid_b = property_of(name_b, "PrivateID");
  ASSERT_TRUE(pid_a && pid_b);
  EXPECT_NE(*pid_a, *pid_b);
  EXPECT_NE(*pid_a, json::value(private_id()));
  EXPECT_NE(read_file(dir_a / "wssd.log").find("D-Bus: org.wssd.Session1.i_a on the session bus"),
            std::string::npos);

  // A peer on the second hub is b's alone; b's Send reaches it from b's identity.
  test_peer peer;
  ASSERT_TRUE(peer.join(hub_2.ws_url())) << peer.last_error();
  ASSERT_TRUE(eventually([&] { return lists(property_of(name_b, "Peers"), peer.private_id()); }));
  EXPECT_FALSE(lists(property_of(name_a, "Peers"), peer.private_id()));
  const auto sent = call_on(name_b, {"Send", "ass", "1", peer.private_id(), R"({"from":"b"})"});
  EXPECT_EQ(sent.exit_code, 0) << sent.err;
  const auto direct = peer.wait_push([](const json::object& p) {
    return p.at("type") == json::value("direct") && p.at("data") == json::value{{"from", "b"}};
  });
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->at("from"), *pid_b);

  // A second wssd for the same instance is refused its name, as for the default instance.
  temp_dir dir_c;
  auto again = start_wssd(dir_c, {"--instance", "a"});
  EXPECT_EQ(again->wait(patience), 1);
  EXPECT_NE(read_file(dir_c / "wssd.log")
                .find("D-Bus name org.wssd.Session1.i_a is already owned on the session bus"),
            std::string::npos)
      << read_file(dir_c / "wssd.log");
}

}  // namespace
}  // namespace wssd::test
