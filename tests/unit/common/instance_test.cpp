// Instance names, their D-Bus names, and the default paths of the default instance and of an
// instance NAME, for every kind of wssd: under systemd, root without it, a user's.
#include "daemon/common/instance.hpp"

#include <gtest/gtest.h>

#include <map>

#include "daemon/common/paths.hpp"

namespace wssd {
namespace {

TEST(instance_name, letters_digits_dash_underscore_and_dot_are_fine) {
  for (const char* name : {"a", "hub2", "eu-west", "player_2", "chess.lichess", "A-1_b.c", "x-"}) {
    EXPECT_EQ(instance_name_error(name), std::nullopt) << name;
  }
  EXPECT_EQ(instance_name_error(std::string(max_instance_name, 'n')), std::nullopt);
}

TEST(instance_name, anything_else_is_refused_saying_why) {
  EXPECT_EQ(instance_name_error(""), "instance name: empty");
  for (const char* name : {"a/b", "../x", "a b", "a@b", "caf\xc3\xa9", "a:b", "a\\x2db", "*"}) {
    const auto error = instance_name_error(name);
    ASSERT_TRUE(error) << name;
    EXPECT_NE(error->find("only letters, digits, '-', '_' and '.' are allowed"), std::string::npos)
        << *error;
  }
  EXPECT_NE(instance_name_error(".")->find("must not start with '.'"), std::string::npos);
  EXPECT_NE(instance_name_error("..")->find("must not start with '.'"), std::string::npos);
  EXPECT_NE(instance_name_error(".hidden")->find("must not start with '.'"), std::string::npos);
  EXPECT_NE(instance_name_error(std::string(max_instance_name + 1, 'n'))->find("longer than 64"),
            std::string::npos);
  // wssd.sock and wssd.conf are the default instance's.
  EXPECT_NE(instance_name_error("wssd")->find("default instance"), std::string::npos);
}

TEST(instance_name, the_dbus_name_escapes_all_but_letters_and_digits) {
  EXPECT_EQ(dbus_name_for(""), "org.wssd.Session1");
  EXPECT_EQ(dbus_name_for("a"), "org.wssd.Session1.i_a");
  EXPECT_EQ(dbus_name_for("Hub2"), "org.wssd.Session1.i_Hub2");
  EXPECT_EQ(dbus_name_for("hub-2"), "org.wssd.Session1.i_hub_2d2");
  EXPECT_EQ(dbus_name_for("my_id"), "org.wssd.Session1.i_my_5fid");
  EXPECT_EQ(dbus_name_for("eu.west"), "org.wssd.Session1.i_eu_2ewest");
  // Distinct names stay distinct: "_" itself is escaped, so "a_2d" cannot pass for "a-".
  EXPECT_NE(dbus_name_for("a-"), dbus_name_for("a_2d"));
  EXPECT_EQ(dbus_name_for("a_2d"), "org.wssd.Session1.i_a_5f2d");
  // The longest name still fits D-Bus's 255 bytes.
  EXPECT_LE(dbus_name_for(std::string(max_instance_name, '-')).size(), 255u);
}

path_context context(unsigned euid, std::map<std::string, std::string> env) {
  return {euid, [env](const char* name) {
            const auto it = env.find(name);
            return it == env.end() ? std::string() : it->second;
          }};
}

struct expected {
  std::string socket, state, config;
};

void expect_paths(const path_context& c, const std::string& instance, const expected& e) {
  EXPECT_EQ(default_socket_path(instance, c), e.socket) << "instance '" << instance << "'";
  EXPECT_EQ(default_state_dir(instance, c), e.state) << "instance '" << instance << "'";
  EXPECT_EQ(default_config_file(instance, c), e.config) << "instance '" << instance << "'";
}

TEST(instance_paths, root_without_systemd) {
  const auto c = context(0, {});
  EXPECT_TRUE(is_system_instance(c));
  expect_paths(c, "", {"/run/wssd/wssd.sock", "/var/lib/wssd", "/etc/wssd/wssd.conf"});
  expect_paths(c, "a", {"/run/wssd/a.sock", "/var/lib/wssd/a", "/etc/wssd/a.conf"});
  EXPECT_EQ(system_socket_path(), "/run/wssd/wssd.sock");
  EXPECT_EQ(system_socket_path("a"), "/run/wssd/a.sock");
}

// wssd@a.service: RuntimeDirectory=wssd, StateDirectory=wssd/a; $STATE_DIRECTORY is the
// instance's own directory already.
TEST(instance_paths, under_systemd_the_units_directories_are_used) {
  const auto c =
      context(105, {{"RUNTIME_DIRECTORY", "/run/wssd"}, {"STATE_DIRECTORY", "/var/lib/wssd/a"}});
  EXPECT_TRUE(is_system_instance(c));
  expect_paths(c, "a", {"/run/wssd/a.sock", "/var/lib/wssd/a", "/etc/wssd/a.conf"});
  const auto listed = context(105, {{"RUNTIME_DIRECTORY", "/run/wssd:/run/other"},
                                    {"STATE_DIRECTORY", "/var/lib/wssd/b:/var/lib/x"},
                                    {"CONFIGURATION_DIRECTORY", "/etc/wssd:/etc/x"}});
  expect_paths(listed, "b", {"/run/wssd/b.sock", "/var/lib/wssd/b", "/etc/wssd/b.conf"});
  const auto elsewhere = context(105, {{"CONFIGURATION_DIRECTORY", "/srv/conf"}});
  EXPECT_EQ(default_config_file("", elsewhere), "/srv/conf/wssd.conf");
  EXPECT_EQ(default_config_file("b", elsewhere), "/srv/conf/b.conf");
}

TEST(instance_paths, a_users_instance_lives_in_the_users_directories) {
  const auto c = context(1000, {{"XDG_RUNTIME_DIR", "/run/user/1000"},
                                {"XDG_STATE_HOME", "/home/u/.state"},
                                {"HOME", "/home/u"},
                                {"MANAGERPID", "1"}});
  EXPECT_FALSE(is_system_instance(c));
  expect_paths(c, "",
               {"/run/user/1000/wssd/wssd.sock", "/home/u/.state/wssd", "/etc/wssd/wssd.conf"});
  expect_paths(c, "a", {"/run/user/1000/wssd/a.sock", "/home/u/.state/wssd/a", "/etc/wssd/a.conf"});
  const auto bare = context(1000, {{"HOME", "/home/u"}});
  expect_paths(bare, "a",
               {"/tmp/wssd-1000/a.sock", "/home/u/.local/state/wssd/a", "/etc/wssd/a.conf"});
}

}  // namespace
}  // namespace wssd
