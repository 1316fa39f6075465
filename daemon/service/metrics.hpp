// The Prometheus text exposition format (version 0.0.4) of one status report: what
// `wssctl metrics` prints and the metrics listener serves at /metrics. Counters end in _total,
// values are in base units (seconds, bytes); nothing secret (no token) is in it.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/service/service.hpp"

namespace wssd {

// What the local socket's clients cost and suffered; the socket face counts, the renderer
// shows.
struct client_counters {
  std::uint64_t connected = 0;            // now
  std::uint64_t lagged = 0;               // gaps: the ring let go of events a client wanted
  std::uint64_t events_dropped = 0;       // the events in those gaps
  std::uint64_t disconnected_unread = 0;  // clients dropped for not reading their answers
  std::uint64_t disconnected_behind = 0;  // clients dropped for falling too far behind
};

// The media type of what render_metrics makes.
inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

std::string render_metrics(const service::status_report& s, const client_counters& clients);

}  // namespace wssd
