// Fan-out: broadcasts from a peer on the hub reach 1 000 local clients subscribed to wssd.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "bench/process_stats.hpp"

namespace wssd::bench {

struct fan_out_plan {
  std::size_t subscribers = 1000;
  int single_rounds = 20;       // one broadcast at a time, timed until every subscriber has it
  int sustained_events = 1000;  // broadcasts sent back to back
  std::size_t payload = 64;     // the serialised `data`, in bytes
};

struct fan_out_figures {
  std::size_t subscribers = 0;
  double single_p50_ms = 0;  // one broadcast until the last subscriber has read it
  double single_max_ms = 0;
  int sustained_events = 0;
  double sustained_seconds = 0;  // first broadcast until the last subscriber has every event
  double events_per_s = 0;       // events written to subscribers per second
  // User + system time over the sustained run: where the two cores went.
  double wssd_cpu_seconds = 0;
  double hub_cpu_seconds = 0;
  double bench_cpu_seconds = 0;  // this process: the subscribers and the broadcaster
  memory_use idle_clients;       // wssd with every subscriber connected, before any event
  memory_use after_load;         // after the sustained run, subscribers still connected
};

// Throws std::runtime_error when a subscriber cannot connect or events do not all arrive.
fan_out_figures measure_fan_out(const measured_processes& setup, const fan_out_plan& plan);

}  // namespace wssd::bench
