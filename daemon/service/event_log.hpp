// Every event gets the next seq and is serialised ONCE into an immutable shared line. A ring
// bounded by count and bytes keeps the recent ones in memory; with the durable store an event
// journal keeps older ones too, and seq and the numbering's instance go on across restarts.
// Subscribers read from here at their own pace (`subscribe {since}` starts further back).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/service/durability.hpp"
#include "daemon/service/event_record.hpp"
#include "proto/events.hpp"

namespace wssd {

struct ring_limits {
  std::size_t events = 10000;
  std::size_t bytes = 32 * 1024 * 1024;
};

class event_log {
 public:
  // What a listener hears of each append: the new record, the event it was made from, and the
  // records no longer to be had, let go to make room (oldest first; alive during the call; a
  // record the journal let go has no line, only its size).
  struct appended {
    const event_ptr& record;
    const proto::event& event;
    const std::vector<event_ptr>& evicted;
  };
  using listener = std::function<void(const appended&)>;

  // `journal` (the durable store's, or null) keeps what the ring lets go, and the numbering.
  explicit event_log(ring_limits limits, event_journal* journal = nullptr);

  event_ptr append(proto::event e);
  std::uint64_t last_seq() const { return next_seq_ - 1; }
  // The oldest seq still to be had (ring or journal); last_seq() + 1 when there is none.
  std::uint64_t first_seq() const;
  // The record of `seq` if the ring holds it, else null (see read()).
  event_ptr at(std::uint64_t seq) const;
  // Up to `max_events` records from `seq` on, oldest first, from the ring or the journal.
  std::vector<event_ptr> read(std::uint64_t seq, std::size_t max_events) const;
  std::size_t size() const { return ring_.size(); }
  std::size_t bytes() const { return bytes_; }
  // Names the numbering: a client resuming after a restart needs more than a number to know its
  // `since` means something here. Without a journal each daemon numbers from 1 anew.
  const std::string& instance() const { return instance_; }
  void set_limits(ring_limits limits);

  // Where a subscriber resuming after `since` starts. A `since` of another instance (or,
  // without one, beyond last_seq()) came from an earlier numbering: it starts at the oldest
  // kept.
  struct resume_point {
    std::uint64_t next = 0;
    std::optional<std::string_view> lost;  // "ring overflow" or "daemon restarted"
  };
  resume_point resume(std::uint64_t since, const std::string& instance = {}) const;

  std::uint64_t listen(listener l);
  void unlisten(std::uint64_t token) { listeners_.erase(token); }

 private:
  void evict(std::vector<event_ptr>& evicted);

  ring_limits limits_;
  event_journal* journal_;
  std::string instance_;
  std::uint64_t next_seq_ = 1;
  std::deque<event_ptr> ring_;
  std::size_t bytes_ = 0;
  std::uint64_t next_listener_ = 1;
  std::map<std::uint64_t, listener> listeners_;
};

}  // namespace wssd
