#include "daemon/peer_table.hpp"

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

TEST(peer_table, clear_empties_the_table) {
  peer_table t;
  t.replace({peer("a"), peer("b")});
  t.clear();
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(t.replace({peer("a")}).left.empty());
}

}  // namespace
}  // namespace wssd
