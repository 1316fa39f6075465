// What the service keeps across restarts when the durable store is on (--spool): the outbox's
// commands, the event journal, the durable consumers' positions and the outcomes of recent
// idempotent submits. The service sees these interfaces only; daemon/store implements them on
// SQLite. Without the store they are absent and the same structures live in memory.
//
// Writes are not committed one by one: everything written in one turn of the event loop is
// committed together after it (group commit), and after_commit() says when that happened.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/service/event_record.hpp"
#include "daemon/service/latency_histogram.hpp"
#include "proto/jsonrpc.hpp"
#include "proto/wss_codec.hpp"

namespace wssd {

using wall_clock = std::chrono::system_clock;

class event_journal {
 public:
  virtual ~event_journal() = default;
  // Names the numbering the journal's seqs are in: it lives with the journal, so it survives
  // restarts and seq goes on from where it was.
  virtual const std::string& instance() const = 0;
  virtual std::uint64_t last_seq() const = 0;   // 0 when nothing was ever journalled
  virtual std::uint64_t first_seq() const = 0;  // the oldest kept; last_seq() + 1 when none
  // Journals an event; returns the records the journal's bounds made it let go (oldest first,
  // without their lines).
  virtual std::vector<event_ptr> append(const event_record& r, wall_clock::time_point at) = 0;
  // Kept events from `seq` on, oldest first, at most `max_events` of them.
  virtual std::vector<event_ptr> read(std::uint64_t seq, std::size_t max_events) = 0;
};

class command_spool {
 public:
  struct row {
    std::int64_t id = 0;
    proto::command command;
    wall_clock::time_point accepted;
    seconds ttl{0};
    unsigned sent = 0;
    std::string msg_id;
  };
  virtual ~command_spool() = default;
  virtual std::int64_t add(const proto::command& c, wall_clock::time_point accepted, seconds ttl,
                           const std::string& msg_id) = 0;
  virtual void sent(std::int64_t id, unsigned times) = 0;
  virtual void remove(std::int64_t id) = 0;
  // What is spooled, in the order it was accepted.
  virtual std::vector<row> load_commands() = 0;
  // `then` runs once what was written so far is committed, with the error if it could not be.
  virtual void after_commit(std::function<void(std::optional<proto::failure>)> then) = 0;
};

struct consumer_position {
  std::string name;
  std::uint64_t acked = 0;  // the last seq it finished
  bool auto_ack = false;    // acknowledged as soon as written to it
  wall_clock::time_point seen;
};

class consumer_store {
 public:
  virtual ~consumer_store() = default;
  virtual void save(const consumer_position& c) = 0;
  virtual void remove(const std::string& name) = 0;
  virtual std::vector<consumer_position> load_consumers() = 0;
};

// The outcome of a submit with a msg_id, kept for its window: a retry is answered with it.
struct submit_outcome {
  std::string msg_id;
  std::string outcome;  // the answer, as a JSON-RPC result or error object
  wall_clock::time_point at;
};

class submit_store {
 public:
  virtual ~submit_store() = default;
  virtual void remember(const submit_outcome& s) = 0;
  virtual void forget_before(wall_clock::time_point t) = 0;
  virtual std::vector<submit_outcome> load_submits() = 0;
};

// What the store says of itself, for metrics.
struct store_report {
  std::uint64_t file_bytes = 0;      // the database and its write-ahead log, on disk
  std::uint64_t journal_events = 0;  // kept now
  std::uint64_t journal_bytes = 0;   // their lines' bytes
  std::uint64_t journalled = 0;      // events written since wssd started
  std::uint64_t failed_commits = 0;  // since wssd started (a full disk)
  latency_histogram commit_latency;  // of each COMMIT, fsync included when there is one
};

class store_health {
 public:
  virtual ~store_health() = default;
  virtual store_report report() const = 0;
};

}  // namespace wssd
