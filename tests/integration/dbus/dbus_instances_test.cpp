// Instances on one bus: wssd --instance a and --instance b own org.wssd.Session1.i_a and
// org.wssd.Session1.i_b beside the default instance's org.wssd.Session1, each with its own
// identity behind the same object path and interface.
#include <algorithm>

#include "tests/integration/dbus/dbus_fixture.hpp"

namespace wssd::test {
namespace {

using dbus_instances_test = dbus_test;

TEST_F(dbus_instances_test, two_instances_own_two_names_side_by_side) {
  temp_dir dir_a, dir_b;
  auto a = start_wssd(dir_a, {"--instance", "a"});
  auto b = start_wssd(dir_b, {"--instance", "hub-2"});
  const std::string name_a = "org.wssd.Session1.i_a";
  const std::string name_b = "org.wssd.Session1.i_hub_2d2";  // '-' is escaped as _2d
  ASSERT_TRUE(eventually([&] {
    const auto names = bus_names();
    return std::count(names.begin(), names.end(), name_a) == 1 &&
           std::count(names.begin(), names.end(), name_b) == 1 &&
           std::count(names.begin(), names.end(), "org.wssd.Session1") == 1;
  })) << read_file(dir_a / "wssd.log");
  ASSERT_TRUE(eventually([&] { return property_of(name_a, "State") == json::value("online"); }));
  ASSERT_TRUE(eventually([&] { return property_of(name_b, "State") == json::value("online"); }));
  const auto pid_a = property_of(name_a, "PrivateID");
  const auto pid_b = property_of(name_b, "PrivateID");
  ASSERT_TRUE(pid_a && pid_b);
  EXPECT_NE(*pid_a, *pid_b);
  EXPECT_NE(*pid_a, json::value(private_id()));
  EXPECT_NE(read_file(dir_a / "wssd.log").find("D-Bus: org.wssd.Session1.i_a on the session bus"),
            std::string::npos);

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
