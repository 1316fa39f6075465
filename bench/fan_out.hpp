// Fan-out: broadcasts from a peer on the hub reach N subscribers, either N local clients
// subscribed to wssd or (the direct baseline) N peers on the hub itself.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "bench/event_loop.hpp"
#include "bench/process_stats.hpp"

namespace wssd::bench {

struct fan_out_plan {
  std::size_t payload = 100;      // the serialised `data`, in bytes
  int one_at_a_time_rounds = 50;  // one broadcast in flight: until every subscriber has it
  int window = 16;                // broadcasts not yet read by every subscriber, sustained
  int backlog_window = 256;       // the same with a deep backlog: what batching can give
  clock::duration warm_up = std::chrono::milliseconds(200);
  clock::duration measured = std::chrono::milliseconds(600);
};

// Broadcasts kept outstanding for the measured time: events read by subscribers per second,
// and the lag of each delivery (from the broadcaster's send until that subscriber read it).
struct sustained_figures {
  double deliveries_per_s = 0;
  double lag_p50_ms = 0;
  double lag_p99_ms = 0;
  cpu_snapshot cpu_us_per_delivery;  // over the measured time
};

struct fan_out_figures {
  std::size_t subscribers = 0;
  // One broadcast at a time: from the send until the last subscriber has read it.
  double one_p50_ms = 0;
  double one_p99_ms = 0;
  sustained_figures sustained;  // `window` outstanding
  sustained_figures backlog;    // `backlog_window` outstanding
  // wssd's memory with the subscribers connected, before any event and after the run (the
  // wssd side only).
  std::optional<memory_use> connected;
  std::optional<memory_use> after_load;
};

struct fan_out_target {
  std::string hub_url;
  std::string wssd_socket;  // empty: the direct baseline
  std::string exclude_rcp;  // serialised array: who on the hub takes no broadcasts
  measured_processes processes;
};

// Throws std::runtime_error when a subscriber cannot join or an event is lost.
fan_out_figures measure_fan_out(event_loop& loop, const fan_out_target& target,
                                std::size_t subscribers, const fan_out_plan& plan);

}  // namespace wssd::bench
