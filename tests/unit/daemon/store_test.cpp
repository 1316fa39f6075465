// The durable store in process, through its own reads (the file is locked to its one
// connection).
#include "daemon/store/store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <asio/io_context.hpp>

#include "proto/wss_codec.hpp"
#include "tests/support/temp_dir.hpp"

namespace wssd {
namespace {

using namespace std::chrono_literals;

class store_test : public ::testing::Test {
 protected:
  std::unique_ptr<store> open(spool_sync sync) {
    spool_config c;
    c.enabled = true;
    c.sync = sync;
    std::vector<std::string> notes;
    auto s = store::open(io_, dir_.path().string(), c, notes);
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
  test::temp_dir dir_;
};

TEST_F(store_test, a_send_count_survives_a_reopen) {
  for (auto sync : {spool_sync::full, spool_sync::batch, spool_sync::off}) {
    std::int64_t id = 0;
    {
      auto s = open(sync);
      ASSERT_TRUE(s);
      id = spool_one(*s);
      s->sent(id, 3);
      run_for(1ms);
    }
    auto again = open(sync);
    ASSERT_TRUE(again);
    EXPECT_EQ(sent_of(*again, id), 3u);
    again->remove(id);
  }
}

TEST_F(store_test, an_answered_command_leaves_no_row) {
  auto s = open(spool_sync::batch);
  ASSERT_TRUE(s);
  const auto id = spool_one(*s);
  s->sent(id, 1);
  s->remove(id);
  run_for(1ms);
  EXPECT_TRUE(s->load_commands().empty());
}

// Exclusive locking: no lock taken per transaction, and nobody else reads a file in use.
TEST_F(store_test, while_open_the_file_is_the_stores_alone) {
  auto s = open(spool_sync::batch);
  ASSERT_TRUE(s);
  spool_one(*s);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir_ / "store.db").c_str(), &other, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  const int read = sqlite3_exec(other, "SELECT count(*) FROM outbox", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_EQ(read, SQLITE_BUSY);
}

}  // namespace
}  // namespace wssd
