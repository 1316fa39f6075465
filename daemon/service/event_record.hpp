// One event as the event log keeps it: serialised once, shared by every subscriber's queue.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "proto/events.hpp"

namespace wssd {

struct event_record {
  std::uint64_t seq = 0;
  proto::event_types type = 0;  // its type's bit
  std::string peer;             // the peer it is about, for subscription filters; may be empty
  std::string line;             // the JSON-RPC notification, '\n'-terminated
  std::size_t bytes = 0;        // the line's size (kept when a record let go has no line)
};
using event_ptr = std::shared_ptr<const event_record>;

}  // namespace wssd
