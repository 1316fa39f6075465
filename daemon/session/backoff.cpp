#include "daemon/session/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace wssd {

backoff::backoff(backoff_config config, std::uint64_t seed) : config_(config), random_(seed) {}

seconds backoff::next() {
  const double ceiling = std::min(config_.cap.count(),
                                  config_.base.count() * std::ldexp(1.0, std::min(attempt_, 30u)));
  ++attempt_;
  std::uniform_real_distribution<double> jitter(0.0, ceiling);
  return seconds(std::max(floor.count(), jitter(random_)));
}

seconds backoff::next_after_overload() {
  ++attempt_;
  std::uniform_real_distribution<double> jitter(0.0, config_.cap.count());
  return config_.too_many_connections + seconds(jitter(random_));
}

}  // namespace wssd
