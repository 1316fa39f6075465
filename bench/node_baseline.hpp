// The relay workload from Node.js's `ws` (bench/node_relay.js), run as a child process against
// the same hub and sink.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/event_loop.hpp"
#include "bench/relay.hpp"

namespace wssd::bench {

struct node_figures {
  std::vector<std::pair<int, double>> msgs_per_s;  // per requests in flight
  double ack_p50_us = 0;
  double ack_p99_us = 0;
  std::string versions;  // "node v20…, ws 8…"
};

struct node_plan {
  std::string node;  // the node binary; `ws` must be on its NODE_PATH
  std::vector<int> in_flight;
  std::size_t payload = 100;
  relay_timing timing;
  int latency_rounds = 300;
};

// Throws std::runtime_error when the script fails or the sink's count is wrong.
node_figures measure_node(event_loop& loop, sink& to, const std::string& hub_url,
                          const node_plan& plan);

}  // namespace wssd::bench
