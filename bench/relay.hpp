// Relay: a 100 B message from a local client through wssd (socket → wssd → hub → sink) against
// the same message from a peer on the hub itself (peer → hub → sink), in one run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/event_loop.hpp"
#include "bench/hub_peer.hpp"
#include "bench/local_peer.hpp"
#include "bench/process_stats.hpp"

namespace wssd::bench {

// A JSON string whose serialised form is exactly `bytes` long.
std::string payload_of(std::size_t bytes);

// A peer on the hub that every relayed message is sent to; it counts them, so a lost message
// is seen.
class sink {
 public:
  sink(event_loop& loop, const std::string& hub_url);
  const std::string& private_id() const { return peer_.private_id(); }
  std::uint64_t received() const { return received_; }
  // Waits until `total` messages have arrived, then a little longer for any extra; throws
  // std::runtime_error when the count is not exactly `total`.
  void expect(std::uint64_t total, clock::duration limit = std::chrono::seconds(10));

 private:
  event_loop& loop_;
  hub_peer peer_;
  std::uint64_t received_ = 0;
};

// One way of sending the message to the sink; `done(ok)` when it was acknowledged.
class relay_path {
 public:
  virtual ~relay_path() = default;
  virtual void send(std::function<void(bool ok)> done) = 0;
};

// `send {to, data}` on wssd's socket.
class through_wssd final : public relay_path {
 public:
  through_wssd(local_peer& client, std::string to, std::string data)
      : client_(client), to_(std::move(to)), data_(std::move(data)) {}
  void send(std::function<void(bool)> done) override { client_.send(to_, data_, std::move(done)); }

 private:
  local_peer& client_;
  std::string to_, data_;
};

// `WSS_Send` from a peer on the hub.
class direct_to_hub final : public relay_path {
 public:
  direct_to_hub(hub_peer& peer, std::string to, std::string data)
      : peer_(peer), to_(std::move(to)), data_(std::move(data)) {}
  void send(std::function<void(bool)> done) override {
    peer_.send_direct(to_, data_, std::move(done));
  }

 private:
  hub_peer& peer_;
  std::string to_, data_;
};

struct relay_timing {
  clock::duration warm_up;   // sending, not counted
  clock::duration measured;  // sending and counted
};

struct window_figures {
  double msgs_per_s = 0;
  std::uint64_t measured = 0;       // messages acknowledged in the measured time
  double seconds = 0;               // the measured time
  cpu_snapshot cpu;                 // CPU of each process over the measured time
  cpu_snapshot cpu_us_per_message;  // the same per message
};

// Several windows of one path taken as one: messages and time summed.
window_figures pooled(const std::vector<window_figures>& parts);

// One way of relaying, for alternating(): its senders and the processes whose CPU it costs.
struct relay_leg {
  std::vector<relay_path*> senders;
  measured_processes processes;
};

struct alternated {
  std::vector<window_figures> legs;  // pooled over the slices, in the order given
  samples first_to_second;           // the ratio of the first two legs' rates, slice by slice
};

// `slices` rounds of measure_window over every leg, the order rotating each round, pooled: the
// machine's changing load falls on every leg alike.
alternated alternating(event_loop& loop, sink& to, const std::vector<relay_leg>& legs,
                       int in_flight, const relay_timing& timing, int slices);

// Every sender keeps `in_flight` messages unacknowledged (sending the next as each ok comes
// back) for warm-up plus measured time; then the rest drain and the sink must have every one.
window_figures measure_window(event_loop& loop, sink& to, const std::vector<relay_path*>& senders,
                              int in_flight, const relay_timing& timing,
                              const measured_processes& processes);

// Exactly `messages` messages with `in_flight` unacknowledged, then the sink must have them all;
// the time it took. For profiles, where the count matters more than the clock.
clock::duration send_count(event_loop& loop, sink& to, relay_path& path, int in_flight,
                           std::uint64_t messages);

struct latency_figures {
  double p50_us = 0;
  double p99_us = 0;
  double wssd_cpu_us_per_message = 0;  // the first path's (wssd runs for that one only)
};

// One message at a time, alternating between the two paths so that a change in the machine's
// load hits both alike: send until the hub's ok is back.
std::pair<latency_figures, latency_figures> measure_latency(event_loop& loop, sink& to,
                                                            relay_path& first, relay_path& second,
                                                            int rounds,
                                                            const measured_processes& processes);

}  // namespace wssd::bench
