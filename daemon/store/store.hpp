// The durable store (--spool): one SQLite database in WAL mode, STATE_DIR/store.db, holding
// the outbox's commands, the event journal with its numbering, the durable consumers and the
// outcomes of recent idempotent submits.
//
// One writer, on the event loop. Everything written in one turn of the loop is one transaction,
// committed after that turn (group commit); spool.sync says when it reaches the disk:
//   full   every commit is fsynced (SQLite synchronous=FULL);
//   batch  commits are written at once (they survive a crash of wssd) and fsynced together at
//          most spool.sync_interval later (a power loss loses at most that much);
//   off    commits are written at once; the disk is synced only when SQLite checkpoints.
//
// A damaged, truncated or foreign file is detected when the store opens: it is moved aside
// (store.db.damaged-TIME), what can still be read of it is kept, and the daemon starts.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/service/durability.hpp"
#include "daemon/store/sqlite.hpp"

namespace wssd {

class store final : public event_journal,
                    public command_spool,
                    public consumer_store,
                    public submit_store,
                    public store_health {
 public:
  // Opens (or creates) DIR/store.db. What had to be done to a damaged file is in `notes`.
  static proto::parsed<std::unique_ptr<store>> open(asio::io_context& io, const std::string& dir,
                                                    const spool_config& c,
                                                    std::vector<std::string>& notes);
  ~store() override;

  // Commits what is pending now, and fsyncs it (SIGTERM: nothing written is left behind).
  std::optional<proto::failure> flush();
  const std::string& path() const { return path_; }
  std::size_t journal_events() const { return journal_count_; }
  std::uint64_t journal_bytes() const { return journal_bytes_; }
  // The last commit's failure (a full disk), if the last commit failed.
  const std::optional<proto::failure>& failing() const { return failing_; }

  // store_health
  store_report report() const override;

  // event_journal
  const std::string& instance() const override { return instance_; }
  std::uint64_t last_seq() const override { return last_seq_; }
  std::uint64_t first_seq() const override { return first_seq_; }
  std::vector<event_ptr> append(const event_record& r, wall_clock::time_point at) override;
  std::vector<event_ptr> read(std::uint64_t seq, std::size_t max_events) override;

  // command_spool
  std::int64_t add(const proto::command& c, wall_clock::time_point accepted, seconds ttl,
                   const std::string& msg_id) override;
  void sent(std::int64_t id, unsigned times) override;
  void remove(std::int64_t id) override;
  std::vector<command_spool::row> load_commands() override;
  void after_commit(std::function<void(std::optional<proto::failure>)> then) override;

  // consumer_store
  void save(const consumer_position& c) override;
  void remove(const std::string& name) override;
  std::vector<consumer_position> load_consumers() override;

  // submit_store
  void remember(const submit_outcome& s) override;
  void forget_before(wall_clock::time_point t) override;
  std::vector<submit_outcome> load_submits() override;

 private:
  store(asio::io_context& io, std::string path, const spool_config& c, sqlite::db_ptr db);
  std::optional<proto::failure> prepare();
  std::optional<proto::failure> load_journal_state();
  // Opens the loop turn's transaction (once) and schedules its commit after the turn.
  void touch();
  void commit();
  void arm_sync();
  void sync_now();
  std::vector<event_ptr> trim(std::uint64_t before);
  void trim_by_age();
  void note_failure(const proto::failure& f);
  // COMMIT, timed.
  std::optional<proto::failure> commit_statement();

  asio::io_context& io_;
  std::string path_;
  spool_config config_;
  sqlite::db_ptr db_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for posted commits
  bool in_transaction_ = false;
  bool unsynced_ = false;  // batch: committed but not fsynced yet
  std::vector<std::function<void(std::optional<proto::failure>)>> waiting_commit_;
  std::optional<proto::failure> failing_;
  std::optional<proto::failure> doomed_;  // a write of this turn failed: it commits nothing
  asio::steady_timer sync_timer_;
  asio::steady_timer age_timer_;

  std::string instance_;
  std::uint64_t last_seq_ = 0;
  std::uint64_t first_seq_ = 1;
  std::size_t journal_count_ = 0;
  std::uint64_t journal_bytes_ = 0;
  std::uint64_t journalled_ = 0;
  std::uint64_t failed_commits_ = 0;
  latency_histogram commit_latency_;

  sqlite::statement insert_event_, read_events_, trimmed_events_, delete_events_;
  sqlite::statement insert_command_, command_sent_, delete_command_;
  sqlite::statement upsert_consumer_, delete_consumer_;
  sqlite::statement insert_submit_, delete_submits_;
  sqlite::statement set_meta_;
};

}  // namespace wssd
