// The durable store in process: what a command's row says after each step, through the
// store's own reads (the file is locked to its one connection).
#include "daemon/store/store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <asio/io_context.hpp>
#include <filesystem>

#include "proto/wss_codec.hpp"

namespace wssd {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/wssd-store-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::unique_ptr<store> open(spool_sync sync) {
    spool_config c;
    c.enabled = true;
    c.sync = sync;
    c.sync_interval = seconds(0.05);
    std::vector<std::string> notes;
    auto s = store::open(io_, dir_, c, notes);
    EXPECT_TRUE(s) << (s ? "" : s.error().what);
    return s ? std::move(*s) : nullptr;
  }

  std::int64_t spool_one(store& s) {
    const auto id =
        s.add(proto::broadcast_command("hello", {}), wall_clock::now(), seconds(60), "");
    run_for(1ms);  // the turn's commit
    return id;
  }

  void run_for(std::chrono::milliseconds d) {
    io_.restart();
    io_.run_for(d);
  }

  static unsigned sent_of(store& s, std::int64_t id) {
    for (const auto& row : s.load_commands()) {
      if (row.id == id) return row.sent;
    }
    ADD_FAILURE() << "no row " << id;
    return 0;
  }

  asio::io_context io_;
  std::string dir_;
};

TEST_F(store_test, with_full_a_send_count_is_written_at_once) {
  auto s = open(spool_sync::full);
  ASSERT_TRUE(s);
  const auto id = spool_one(*s);
  s->sent(id, 1);
  EXPECT_EQ(sent_of(*s, id), 1u);
}

TEST_F(store_test, with_batch_a_send_count_is_written_a_sync_interval_later) {
  auto s = open(spool_sync::batch);
  ASSERT_TRUE(s);
  const auto id = spool_one(*s);
  s->sent(id, 1);
  EXPECT_EQ(sent_of(*s, id), 0u);  // not yet: it may be answered first
  run_for(200ms);
  EXPECT_EQ(sent_of(*s, id), 1u);
  s->sent(id, 2);
  run_for(200ms);
  EXPECT_EQ(sent_of(*s, id), 2u);
}

TEST_F(store_test, a_count_not_yet_written_is_written_when_the_store_closes) {
  std::int64_t id = 0;
  {
    auto s = open(spool_sync::off);
    ASSERT_TRUE(s);
    id = spool_one(*s);
    s->sent(id, 3);
  }
  auto again = open(spool_sync::off);
  ASSERT_TRUE(again);
  EXPECT_EQ(sent_of(*again, id), 3u);
}

TEST_F(store_test, a_command_answered_before_its_count_is_written_leaves_no_row) {
  auto s = open(spool_sync::batch);
  ASSERT_TRUE(s);
  const auto id = spool_one(*s);
  s->sent(id, 1);
  s->remove(id);
  run_for(200ms);
  EXPECT_TRUE(s->load_commands().empty());
}

}  // namespace
}  // namespace wssd
