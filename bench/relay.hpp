// Relay: a message from a local client through wssd (socket → wssd → hub → peer) against the
// same message from a process that is itself on the hub (peer → hub → peer), in one run.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "bench/process_stats.hpp"

namespace wssd::bench {

struct relay_plan {
  std::vector<std::size_t> payload_sizes{64, 4096};  // the serialised `data`, in bytes
  int ack_rounds = 400;                              // per path and payload
  int echo_rounds = 25;                              // each one waits for a delayed ACK
  int senders = 4;                                   // concurrent senders for throughput
  int messages_per_sender = 1000;
  int throughput_trials = 3;  // alternating wssd/direct; the median is reported
};

struct path_figures {
  // Send until the hub's ok is back: the hub has relayed it to the peer by then.
  double ack_p50_us = 0;
  double ack_p99_us = 0;
  // Send, the peer sends it back, the echo arrives. wss-hub leaves Nagle's algorithm on, so
  // this round trip waits for a delayed ACK (about 40 ms) on either path: see
  // docs/benchmarks.md.
  double echo_p50_us = 0;
  double echo_max_us = 0;
  double messages_per_s = 0;
  double wssd_cpu_us_per_message = 0;  // over all throughput trials
  double hub_cpu_us_per_message = 0;
};

struct relay_figures {
  std::size_t payload = 0;
  path_figures via_wssd;
  path_figures direct;
};

// Throws std::runtime_error when a peer cannot join or a message does not arrive in time.
std::vector<relay_figures> measure_relay(const measured_processes& setup, const relay_plan& plan);

}  // namespace wssd::bench
