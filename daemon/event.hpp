// Something that happened, as local clients see it (DESIGN.md, "Event log and subscriptions").
// The event log gives it a sequence number and serialises it once.
#pragma once

#include <boost/json/object.hpp>
#include <string>

namespace wssd {

struct event {
  std::string type;            // message, update, peer_connect, ..., state
  std::string peer;            // the peer it concerns, for subscription filters; may be empty
  boost::json::object fields;  // the type's own fields (no seq, no type)
};

}  // namespace wssd
