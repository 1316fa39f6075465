#include "daemon/session/state_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace wssd {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    ADD_FAILURE() << "cannot stat " << path;
    return 0;
  }
  return st.st_mode & 07777;
}

std::string contents_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class state_store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/wssd-state-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  std::string root_;
};

TEST_F(state_store_test, save_then_load_round_trips) {
  state_store store(root_);
  ASSERT_FALSE(store.open());
  ASSERT_FALSE(store.save_private_id("0123abcd"));
  EXPECT_EQ(store.load_private_id(), "0123abcd");
  EXPECT_EQ(state_store(root_).load_private_id(), "0123abcd");
}

TEST_F(state_store_test, the_file_holds_the_id_and_a_newline) {
  state_store store(root_);
  ASSERT_FALSE(store.save_private_id("pid"));
  EXPECT_EQ(contents_of(root_ + "/private_id"), "pid\n");
}

TEST_F(state_store_test, saving_again_replaces_the_id_and_leaves_no_temporary) {
  state_store store(root_);
  ASSERT_FALSE(store.save_private_id("first"));
  ASSERT_FALSE(store.save_private_id("second"));
  EXPECT_EQ(store.load_private_id(), "second");
  EXPECT_FALSE(fs::exists(root_ + "/private_id.tmp"));
}

TEST_F(state_store_test, missing_file_loads_nothing) {
  EXPECT_EQ(state_store(root_).load_private_id(), std::nullopt);
  EXPECT_EQ(state_store(root_ + "/absent").load_private_id(), std::nullopt);
}

TEST_F(state_store_test, empty_file_loads_nothing) {
  std::ofstream(root_ + "/private_id") << "\n";
  EXPECT_EQ(state_store(root_).load_private_id(), std::nullopt);
}

TEST_F(state_store_test, oversized_file_loads_nothing) {
  std::ofstream(root_ + "/private_id") << std::string(5000, 'a') << "\n";
  EXPECT_EQ(state_store(root_).load_private_id(), std::nullopt);
}

TEST_F(state_store_test, open_creates_nested_directories_with_mode_0700) {
  const auto dir = root_ + "/a/b";
  state_store store(dir);
  ASSERT_FALSE(store.open());
  ASSERT_TRUE(fs::is_directory(dir));
  EXPECT_EQ(mode_of(dir), 0700u);
}

TEST_F(state_store_test, open_tightens_an_existing_directory_to_0700) {
  const auto dir = root_ + "/loose";
  ASSERT_TRUE(fs::create_directory(dir));
  fs::permissions(dir, fs::perms::all);
  ASSERT_FALSE(state_store(dir).open());
  EXPECT_EQ(mode_of(dir), 0700u);
}

TEST_F(state_store_test, the_file_has_mode_0600) {
  state_store store(root_);
  ASSERT_FALSE(store.save_private_id("pid"));
  EXPECT_EQ(mode_of(root_ + "/private_id"), 0600u);
}

TEST_F(state_store_test, save_into_a_missing_directory_fails) {
  state_store store(root_ + "/absent");
  EXPECT_EQ(store.save_private_id("pid"), std::errc::no_such_file_or_directory);
}

TEST_F(state_store_test, open_fails_when_a_file_is_in_the_way) {
  std::ofstream(root_ + "/file") << "x";
  EXPECT_TRUE(state_store(root_ + "/file/sub").open());
}

}  // namespace
}  // namespace wssd
