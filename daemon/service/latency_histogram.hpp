// A histogram of durations with fixed buckets, as Prometheus has them: each bucket counts the
// observations at or below its bound, so a scraper can compute quantiles over any window.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace wssd {

class latency_histogram {
 public:
  // Upper bounds in seconds, from a fast fsync-less commit to a disk that stalls.
  static constexpr std::array<double, 12> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                 0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

  void observe(std::chrono::steady_clock::duration d) {
    const double s = std::chrono::duration<double>(d).count();
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      if (s <= bounds[i]) ++buckets_[i];
    }
    ++count_;
    sum_ += s;
  }

  // Observations at or below bounds[i] (cumulative).
  std::uint64_t bucket(std::size_t i) const { return buckets_[i]; }
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::array<std::uint64_t, bounds.size()> buckets_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace wssd
