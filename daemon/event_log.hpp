// Every event gets the next seq, is serialised ONCE into an immutable shared line, and is kept
// in a ring so clients can replay what they missed (`subscribe {since}`).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/event.hpp"

namespace wssd {

struct event_record {
  std::uint64_t seq = 0;
  std::string type;
  std::string peer;
  boost::json::object params;               // {seq, type, …fields}
  std::shared_ptr<const std::string> line;  // the JSON-RPC notification, '\n'-terminated
};
using event_ptr = std::shared_ptr<const event_record>;

class event_log {
 public:
  using listener = std::function<void(const event_ptr&)>;

  explicit event_log(std::size_t capacity);

  event_ptr append(event e);
  std::uint64_t last_seq() const { return next_seq_ - 1; }
  // Names this daemon's numbering: seq starts at 1 in every daemon, so a client resuming
  // after a restart needs more than a number to know its `since` means something here.
  const std::string& instance() const { return instance_; }

  struct replay {
    bool lost = false;  // some events after `since` are no longer in the ring
    std::string why;    // "ring overflow" or "daemon restarted"
    std::vector<event_ptr> events;
  };
  // What came after `since`. A `since` of another instance (or, without one, beyond
  // last_seq()) came from an earlier daemon: everything kept is replayed, after a loss notice.
  replay since(std::uint64_t seq, const std::string& instance = {}) const;

  std::uint64_t listen(listener l);
  void unlisten(std::uint64_t token) { listeners_.erase(token); }

  // A per-client notice (lagged, events_lost): serialised like an event, not logged.
  static std::shared_ptr<const std::string> notice(const std::string& type,
                                                   boost::json::object fields);

 private:
  std::size_t capacity_;
  std::string instance_;
  std::uint64_t next_seq_ = 1;
  std::deque<event_ptr> ring_;
  std::uint64_t next_listener_ = 1;
  std::map<std::uint64_t, listener> listeners_;
};

}  // namespace wssd
