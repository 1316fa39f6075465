#include "daemon/session/peer_table.hpp"

#include <gtest/gtest.h>

namespace wssd {
namespace {

namespace json = boost::json;

peer_table::peer peer(std::string pid, json::object options = {}) {
  return {std::move(pid), std::move(options)};
}

std::vector<std::string> ids(const std::vector<peer_table::peer>& peers) {
  std::vector<std::string> out;
  for (const auto& p : peers) out.push_back(p.private_id);
  return out;
}

using strings = std::vector<std::string>;

TEST(peer_table, replace_on_an_empty_table_reports_everyone_joined) {
  peer_table t;
  const auto d = t.replace({peer("a", {{"wss", true}}), peer("b")});
  EXPECT_EQ(ids(d.joined), (strings{"a", "b"}));
  EXPECT_EQ(d.joined[0].options, (json::object{{"wss", true}}));
  EXPECT_TRUE(d.left.empty());
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.all().at("a"), (json::object{{"wss", true}}));
}

TEST(peer_table, replace_reports_only_the_differences) {
  peer_table t;
  t.replace({peer("stays"), peer("goes"), peer("also-goes")});
  const auto d = t.replace({peer("stays"), peer("new")});
  EXPECT_EQ(ids(d.joined), (strings{"new"}));
  EXPECT_EQ(d.left, (strings{"also-goes", "goes"}));
  EXPECT_EQ(t.size(), 2u);
  EXPECT_TRUE(t.contains("stays"));
  EXPECT_TRUE(t.contains("new"));
  EXPECT_FALSE(t.contains("goes"));
}

TEST(peer_table, replace_with_the_same_list_reports_nothing) {
  peer_table t;
  t.replace({peer("a", {{"x", 1}}), peer("b")});
  const auto d = t.replace({peer("b"), peer("a", {{"x", 1}})});
  EXPECT_TRUE(d.joined.empty());
  EXPECT_TRUE(d.left.empty());
}

TEST(peer_table, replace_counts_changed_options_as_joined) {
  peer_table t;
  t.replace({peer("a", {{"webrtc", false}})});
  const auto d = t.replace({peer("a", {{"webrtc", true}})});
  EXPECT_EQ(ids(d.joined), (strings{"a"}));
  EXPECT_EQ(d.joined[0].options, (json::object{{"webrtc", true}}));
  EXPECT_TRUE(d.left.empty());
  EXPECT_EQ(t.all().at("a"), (json::object{{"webrtc", true}}));
}

TEST(peer_table, replace_with_nobody_reports_everyone_left) {
  peer_table t;
  t.replace({peer("a"), peer("b")});
  const auto d = t.replace({});
  EXPECT_TRUE(d.joined.empty());
  EXPECT_EQ(d.left, (strings{"a", "b"}));
  EXPECT_EQ(t.size(), 0u);
}

TEST(peer_table, add_a_new_peer) {
  peer_table t;
  EXPECT_TRUE(t.add(peer("a", {{"n", 1}})));
  EXPECT_TRUE(t.contains("a"));
  EXPECT_EQ(t.all().at("a"), (json::object{{"n", 1}}));
}

TEST(peer_table, add_the_same_peer_again_changes_nothing) {
  peer_table t;
  t.add(peer("a", {{"n", 1}}));
  EXPECT_FALSE(t.add(peer("a", {{"n", 1}})));
  EXPECT_EQ(t.size(), 1u);
}

TEST(peer_table, add_with_other_options_updates_them) {
  peer_table t;
  t.add(peer("a", {{"n", 1}}));
  EXPECT_TRUE(t.add(peer("a", {{"n", 2}})));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.all().at("a"), (json::object{{"n", 2}}));
}

TEST(peer_table, remove_a_known_peer) {
  peer_table t;
  t.add(peer("a"));
  EXPECT_TRUE(t.remove("a"));
  EXPECT_FALSE(t.contains("a"));
  EXPECT_EQ(t.size(), 0u);
}

TEST(peer_table, remove_an_unknown_peer_changes_nothing) {
  peer_table t;
  t.add(peer("a"));
  EXPECT_FALSE(t.remove("b"));
  EXPECT_EQ(t.size(), 1u);
}

TEST(peer_table, rename_keeps_the_options) {
  peer_table t;
  t.add(peer("old", {{"wss", true}}));
  EXPECT_TRUE(t.rename("old", "new"));
  EXPECT_FALSE(t.contains("old"));
  ASSERT_TRUE(t.contains("new"));
  EXPECT_EQ(t.all().at("new"), (json::object{{"wss", true}}));
  EXPECT_EQ(t.size(), 1u);
}

TEST(peer_table, rename_an_unknown_peer_changes_nothing) {
  peer_table t;
  t.add(peer("a"));
  EXPECT_FALSE(t.rename("missing", "b"));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_FALSE(t.contains("b"));
}

TEST(peer_table, rename_onto_an_existing_id_leaves_one_entry_with_the_renamed_options) {
  peer_table t;
  t.add(peer("a", {{"from", "a"}}));
  t.add(peer("b", {{"from", "b"}}));
  EXPECT_TRUE(t.rename("a", "b"));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.all().at("b"), (json::object{{"from", "a"}}));
}

TEST(peer_table, oversized_options_are_kept_as_empty) {
  peer_table t;
  json::object big{{"pad", std::string(peer_table::max_options_bytes, 'o')}};
  EXPECT_TRUE(t.add(peer("a", big)));
  EXPECT_EQ(t.all().at("a"), json::object{});
  t.replace({peer("b", big)});
  EXPECT_EQ(t.all().at("b"), json::object{});
}

TEST(peer_table, a_full_table_takes_no_new_peer_but_keeps_updating_known_ones) {
  peer_table t;
  const json::object options{{"pad", std::string(3000, 'p')}};
  int added = 0;
  while (t.add(peer("peer-" + std::to_string(added), options))) ++added;
  EXPECT_TRUE(t.full());
  EXPECT_LT(added, 10000);  // a few thousand: 16 MiB of 3 KB peers
  EXPECT_FALSE(t.add(peer("one-more")));
  EXPECT_TRUE(t.add(peer("peer-0", {{"seat", 1}})));  // known: updated
  EXPECT_TRUE(t.remove("peer-1"));
  EXPECT_TRUE(t.add(peer("one-more")));  // room again
}

}  // namespace
}  // namespace wssd
