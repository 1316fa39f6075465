#include "ipc/server/access_policy.hpp"

#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <optional>

namespace wssd {
namespace {

// A uid with no account and groups with none either: only the credentials speak for them.
constexpr uid_t stranger = 4242;
constexpr gid_t some_gid = 4300;
constexpr gid_t other_gid = 4301;

peer_credentials peer(uid_t uid, gid_t gid, std::vector<gid_t> groups = {}) {
  return {1234, uid, gid, std::move(groups)};
}

rights rights_for(access_config c, const peer_credentials& who) {
  return access_policy(std::move(c)).rights_for(who);
}

bool may_read(std::vector<std::string> read, const peer_credentials& who) {
  return rights_for({std::move(read), {}}, who).read;
}

struct named_group {
  std::string name;
  gid_t gid;
};

// A group of the database other than root's.
std::optional<named_group> some_group() {
  setgrent();
  std::optional<named_group> found;
  while (const auto* g = getgrent()) {
    if (g->gr_gid != 0) {
      found = named_group{g->gr_name, g->gr_gid};
      break;
    }
  }
  endgrent();
  return found;
}

struct member {
  uid_t uid;
  gid_t primary;
  named_group group;  // a supplementary group the database gives it
};

// A user (not root, not us) whom the group database lists as a member of another group.
std::optional<member> some_listed_member() {
  setgrent();
  std::optional<member> found;
  while (!found) {
    const auto* g = getgrent();
    if (!g) break;
    for (auto** name = g->gr_mem; *name && !found; ++name) {
      const auto* pw = getpwnam(*name);
      if (pw && pw->pw_uid != 0 && pw->pw_uid != geteuid() && pw->pw_gid != g->gr_gid) {
        found = member{pw->pw_uid, pw->pw_gid, {g->gr_name, g->gr_gid}};
      }
    }
  }
  endgrent();
  return found;
}

TEST(access_policy, root_and_the_daemons_own_user_may_everything) {
  const access_config nobody_listed{{"no-such-user"}, {"no-such-user"}};
  for (const uid_t uid : {uid_t{0}, geteuid()}) {
    const auto may = rights_for(nobody_listed, peer(uid, some_gid));
    EXPECT_TRUE(may.read) << uid;
    EXPECT_TRUE(may.send) << uid;
  }
}

TEST(access_policy, empty_lists_leave_it_to_the_socket_permissions) {
  const auto may = rights_for({}, peer(stranger, some_gid));
  EXPECT_TRUE(may.read);
  EXPECT_TRUE(may.send);
}

TEST(access_policy, read_and_send_are_granted_separately) {
  const auto may =
      rights_for({{std::to_string(stranger)}, {"no-such-user"}}, peer(stranger, some_gid));
  EXPECT_TRUE(may.read);
  EXPECT_FALSE(may.send);
}

TEST(access_policy, users_are_matched_by_name) {
  const auto* nobody = getpwnam("nobody");
  if (!nobody) GTEST_SKIP() << "no user named nobody here";
  ASSERT_NE(nobody->pw_uid, geteuid());
  EXPECT_TRUE(may_read({"nobody"}, peer(nobody->pw_uid, some_gid)));
  EXPECT_FALSE(may_read({"nobody"}, peer(stranger, some_gid)));
}

TEST(access_policy, users_are_matched_by_number) {
  EXPECT_TRUE(may_read({"4242"}, peer(stranger, some_gid)));
  EXPECT_FALSE(may_read({"4243"}, peer(stranger, some_gid)));
}

TEST(access_policy, groups_by_name_match_the_primary_or_a_supplementary_group) {
  const auto group = some_group();
  if (!group) GTEST_SKIP() << "no group but root's here";
  const std::vector<std::string> entry{"@" + group->name};
  EXPECT_TRUE(may_read(entry, peer(stranger, group->gid)));
  EXPECT_TRUE(may_read(entry, peer(stranger, some_gid, {other_gid, group->gid})));
  EXPECT_FALSE(may_read(entry, peer(stranger, some_gid, {other_gid})));
}

TEST(access_policy, groups_by_number_match_the_primary_or_a_supplementary_group) {
  const std::vector<std::string> entry{"@4300"};
  EXPECT_TRUE(may_read(entry, peer(stranger, some_gid)));
  EXPECT_TRUE(may_read(entry, peer(stranger, other_gid, {other_gid, some_gid})));
  EXPECT_FALSE(may_read(entry, peer(stranger, other_gid, {other_gid})));
}

TEST(access_policy, groups_come_from_the_credentials_not_the_group_database) {
  const auto listed = some_listed_member();
  if (!listed) GTEST_SKIP() << "the group database lists no member of a supplementary group";
  // The process does not have the group (it dropped it, or its login came before): no match.
  const std::vector<std::string> entry{"@" + listed->group.name};
  EXPECT_FALSE(may_read(entry, peer(listed->uid, listed->primary, {listed->primary})));
  EXPECT_TRUE(
      may_read(entry, peer(listed->uid, listed->primary, {listed->primary, listed->group.gid})));
}

TEST(access_policy, numbers_out_of_range_never_match) {
  // 2^32 + 1 and 2^32 + 5 would wrap to 1 and 5; 2^32 - 1 is (uid_t)-1, "no user".
  EXPECT_FALSE(may_read({"4294967297"}, peer(1, some_gid)));
  EXPECT_FALSE(may_read({"4294967295"}, peer(static_cast<uid_t>(-1), some_gid)));
  EXPECT_FALSE(may_read({"99999999999999999999"}, peer(stranger, some_gid)));
  EXPECT_FALSE(may_read({"@4294967301"}, peer(stranger, 5, {5})));
  EXPECT_FALSE(
      may_read({"@4294967295"}, peer(stranger, static_cast<gid_t>(-1), {static_cast<gid_t>(-1)})));
}

}  // namespace
}  // namespace wssd
