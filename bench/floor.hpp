// The physical floor: what the kernel and the machine cost for the benchmark's workloads with
// trivial user code (blocking reads, no parsing, no event loop), so that each end-to-end figure
// can be read against what this machine can do at all. Loopback and socketpairs only; every
// wait is bounded.
#pragma once

#include <boost/system/result.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "bench/event_loop.hpp"

namespace wssd::bench {

struct floor_plan {
  std::size_t payload = 100;  // each line is payload_of(payload) and its newline
  // Round trips, one at a time, the paths in turn: rounds per path, after the warm-up ones;
  // they stop at `rtt_limit` even if not all were done.
  int rtt_warm_up_rounds = 100;
  int rtt_rounds = 1000;
  clock::duration rtt_limit = std::chrono::seconds(3);
  // Fan-out: lines to `subscribers` sockets, `window` of them not yet read from every socket
  // (the fan-out workload's sustained window).
  std::size_t subscribers = 1000;
  int window = 16;
  clock::duration warm_up = std::chrono::milliseconds(150);
  clock::duration measured = std::chrono::milliseconds(400);
};

struct rtt_figures {
  double p50_us = 0;
  double p99_us = 0;
};

struct fan_out_floor {
  double deliveries_per_s = 0;  // lines read by the reader per second, over the measured time
  double writer_cpu_us_per_delivery = 0;
  double reader_cpu_us_per_delivery = 0;
};

struct floor_figures {
  int rtt_rounds = 0;      // done per path, after the warm-up
  rtt_figures unix_rtt;    // this process <-> an echo process, Unix stream socketpair
  rtt_figures tcp_rtt;     // the same over TCP on 127.0.0.1, TCP_NODELAY
  rtt_figures relay_hops;  // this process -unix-> a relay process -tcp-> an echo process
  fan_out_floor per_line;  // the writer: one write() per line per socket
  fan_out_floor batched;   // the writer: one writev() per socket of all it has for it
  double seconds = 0;      // the whole section's wall time
};

// Why the floor could not be measured (a fork, a socket, a lost line).
struct floor_failure {
  std::string what;
};

boost::system::result<floor_figures, floor_failure> measure_floor(const floor_plan& plan);

}  // namespace wssd::bench
