// Every event gets the next seq, is serialised ONCE into an immutable shared line, and is kept
// in a ring bounded by count and bytes, from which subscribers read at their own pace
// (`subscribe {since}` starts further back).
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

#include "proto/events.hpp"

namespace wssd {

struct event_record {
  std::uint64_t seq = 0;
  proto::event_types type = 0;  // its type's bit
  std::string peer;             // the peer it is about, for subscription filters; may be empty
  std::string line;             // the JSON-RPC notification, '\n'-terminated
  std::uint64_t offset = 0;     // bytes of all lines before it: a backlog in bytes is a difference
};
using event_ptr = std::shared_ptr<const event_record>;

struct ring_limits {
  std::size_t events = 10000;
  std::size_t bytes = 32 * 1024 * 1024;
};

class event_log {
 public:
  // What a listener hears of each append: the new record, the event it was made from, and the
  // records the ring let go to make room (oldest first; still alive during the call).
  struct appended {
    const event_ptr& record;
    const proto::event& event;
    const std::vector<event_ptr>& evicted;
  };
  using listener = std::function<void(const appended&)>;

  explicit event_log(ring_limits limits);

  event_ptr append(proto::event e);
  std::uint64_t last_seq() const { return next_seq_ - 1; }
  // The oldest seq still kept; last_seq() + 1 when the ring is empty.
  std::uint64_t first_seq() const { return ring_.empty() ? next_seq_ : ring_.front()->seq; }
  // The record of `seq`, or null when it is not (or no longer) kept.
  event_ptr at(std::uint64_t seq) const;
  // Bytes of the lines from `seq` (kept, or last_seq() + 1) to the newest.
  std::uint64_t bytes_from(std::uint64_t seq) const;
  std::size_t size() const { return ring_.size(); }
  std::size_t bytes() const { return bytes_; }
  // Names this daemon's numbering: seq starts at 1 in every daemon, so a client resuming
  // after a restart needs more than a number to know its `since` means something here.
  const std::string& instance() const { return instance_; }
  void set_limits(ring_limits limits);

  // Where a subscriber resuming after `since` starts. A `since` of another instance (or,
  // without one, beyond last_seq()) came from an earlier daemon: it starts at the oldest kept.
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
  std::string instance_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t next_offset_ = 0;
  std::deque<event_ptr> ring_;
  std::size_t bytes_ = 0;
  std::uint64_t next_listener_ = 1;
  std::map<std::uint64_t, listener> listeners_;
};

}  // namespace wssd
