// Reconnect delays: exponential with full jitter, a floor so it never spins, and a long wait
// after the server says "Too many connections".
#pragma once

#include <random>

#include "daemon/config.hpp"

namespace wssd {

class backoff {
 public:
  explicit backoff(backoff_config config, std::uint64_t seed = std::random_device{}());

  // The delay before the next attempt; each call counts one more failure.
  seconds next();
  // The delay after -32001: the server's per-IP table is full; hammering it helps nobody.
  seconds next_after_overload();
  // An attempt made at once (a reconnect on request): the next one is no longer free.
  void count_attempt() { ++attempt_; }
  void reset() { attempt_ = 0; }
  void reconfigure(backoff_config config) { config_ = config; }
  unsigned attempts() const { return attempt_; }

  static constexpr seconds floor{0.1};

 private:
  backoff_config config_;
  std::mt19937_64 random_;
  unsigned attempt_ = 0;
};

}  // namespace wssd
