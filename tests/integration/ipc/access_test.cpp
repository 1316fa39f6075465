// Who may use the socket: its mode decides who can connect, ipc.access.read/send who may read
// and who may send. wssctl runs as user nobody (setpriv) against a wssd running as root.
#include <sys/stat.h>

#include <filesystem>

#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

constexpr unsigned everyone_rw = 0666;

class access_test : public gateway_test {
 protected:
  void SetUp() override {
    gateway_test::SetUp();
    // The socket lives in the test's directory: nobody must be able to reach it.
    std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
  }

  // wssd with `access` (ipc.access), its socket open to every user so that only the access
  // lists decide.
  bool start_open_to_everyone(json::object access) {
    return start_wssd({{"ipc", {{"access", std::move(access)}, {"mode", "0666"}}}});
  }

  command_result wssctl_as_nobody(std::vector<std::string> args) {
    return run_wssctl(wssd().socket(), std::move(args),
                      {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  }

  static unsigned mode_of(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
  }
};

TEST_F(access_test, the_socket_mode_comes_from_ipc_mode) {
  ASSERT_TRUE(start_wssd({{"ipc", {{"mode", everyone_rw}}}}));
  EXPECT_EQ(mode_of(wssd().socket()), everyone_rw);
}

TEST_F(access_test, by_default_other_users_cannot_even_connect) {
  ASSERT_TRUE(start_wssd());
  EXPECT_EQ(mode_of(wssd().socket()), 0660u);
  const auto r = wssctl_as_nobody({"status"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
}

TEST_F(access_test, a_user_outside_ipc_access_send_may_read_but_not_send) {
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  ASSERT_TRUE(start_open_to_everyone({{"send", json::array{"root"}}}));

  const auto status = wssctl_as_nobody({"--json", "status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find(R"("state":"online")"), std::string::npos) << status.out;

  const auto send = wssctl_as_nobody({"send", peer->private_id(), "--", "sneaky"});
  EXPECT_EQ(send.exit_code, 5) << send.out << send.err;
  EXPECT_NE(send.err.find("permission denied: uid 65534 may not send (ipc.access.send)"),
            std::string::npos)
      << send.err;
  const auto broadcast = wssctl_as_nobody({"broadcast", "sneaky"});
  EXPECT_EQ(broadcast.exit_code, 5) << broadcast.out << broadcast.err;

  // Root's broadcast is the first one the peer gets: nobody's never went out.
  const auto root = run_wssctl(wssd().socket(), {"broadcast", "marker"});
  EXPECT_EQ(root.exit_code, 0) << root.err;
  const auto first =
      peer->wait_push([](const json::object& p) { return p.at("type") != "session"; }, patience);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->at("data"), "marker") << json::serialize(*first);
}

TEST_F(access_test, a_user_outside_ipc_access_read_may_not_read) {
  ASSERT_TRUE(
      start_open_to_everyone({{"read", json::array{"root"}}, {"send", json::array{"root"}}}));
  for (const auto& verb : {"status", "peers"}) {
    const auto r = wssctl_as_nobody({verb});
    EXPECT_EQ(r.exit_code, 5) << verb << ": " << r.out << r.err;
    EXPECT_NE(r.err.find("permission denied: uid 65534 may not read (ipc.access.read)"),
              std::string::npos)
        << r.err;
  }
  // Root may everything, listed or not.
  const auto root = run_wssctl(wssd().socket(), {"status"});
  EXPECT_EQ(root.exit_code, 0) << root.err;
}

TEST_F(access_test, users_are_listed_by_name_uid_or_group) {
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  ASSERT_TRUE(start_open_to_everyone(
      {{"read", json::array{"65534"}}, {"send", json::array{"daemon", "@nogroup"}}}));
  const auto status = wssctl_as_nobody({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  const auto send = wssctl_as_nobody({"send", peer->private_id(), "--", "by group"});
  EXPECT_EQ(send.exit_code, 0) << send.err;
  EXPECT_TRUE(wait_message(*peer, "direct", "by group"));
}

TEST_F(access_test, a_user_listed_by_name_may_send) {
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  ASSERT_TRUE(start_open_to_everyone({{"send", json::array{"nobody"}}}));
  const auto send = wssctl_as_nobody({"broadcast", "by name"});
  EXPECT_EQ(send.exit_code, 0) << send.err;
  EXPECT_TRUE(wait_message(*peer, "broadcast", "by name"));
}

// Groups are the ones the connecting process has (SO_PEERGROUPS), not what /etc/group says of
// its user: nobody is in no group there, yet a process of nobody's given group 12345 counts.
TEST_F(access_test, a_group_counts_when_the_process_has_it_whatever_etc_group_says) {
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  ASSERT_TRUE(start_open_to_everyone({{"send", json::array{"@12345"}}}));
  const auto with_group =
      run_wssctl(wssd().socket(), {"broadcast", "by supplementary group"},
                 {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--groups=12345"});
  EXPECT_EQ(with_group.exit_code, 0) << with_group.err;
  EXPECT_TRUE(wait_message(*peer, "broadcast", "by supplementary group"));

  const auto without = wssctl_as_nobody({"broadcast", "without it"});
  EXPECT_EQ(without.exit_code, 5) << without.err;
}

}  // namespace
}  // namespace wssd::test
