// What the system benchmark reads about the processes it runs, and about its own limits and
// results (Linux /proc only).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wssd::bench {

// The processes whose CPU time a measurement reads.
struct measured_processes {
  pid_t wssd_pid = -1;
  pid_t hub_pid = -1;
};

struct memory_use {
  long rss_kib = 0;   // VmRSS: resident now
  long peak_kib = 0;  // VmHWM: the most it was ever resident
};
std::optional<memory_use> memory_of(pid_t pid);

// CPU time the process's threads have run so far, in seconds: the sum of
// /proc/PID/task/*/schedstat (nanoseconds), or user plus system time from /proc/PID/stat (clock
// ticks, 10 ms) where schedstat is missing.
std::optional<double> cpu_seconds_of(pid_t pid);

// CPU time of wssd, wss-hub and this process, read together.
struct cpu_snapshot {
  double wssd = 0;
  double hub = 0;
  double bench = 0;
};
cpu_snapshot cpu_now(const measured_processes& p);
cpu_snapshot operator-(const cpu_snapshot& a, const cpu_snapshot& b);

// Waits (at most `limit`) until the process uses less than 5 % of a core over 100 ms: the hub
// has done with 1 000 peers that just left before the next measurement starts.
void wait_until_idle(pid_t pid, std::chrono::milliseconds limit = std::chrono::seconds(15));

// The 1-, 5- and 15-minute load averages, as /proc/loadavg prints them.
std::string load_average();

// 1 000 subscriber sockets and the children's pipes need more than the usual soft limit.
bool raise_descriptor_limit(unsigned long wanted);

// Percentiles of a set of samples (nearest rank).
class samples {
 public:
  void add(double value) { values_.push_back(value); }
  // q in [0, 1]; 0 when there are no samples.
  double percentile(double q) const;
  double median() const { return percentile(0.5); }
  std::size_t size() const { return values_.size(); }

 private:
  std::vector<double> values_;
};

// Durations in 10 µs buckets up to 1 s, longer ones kept as they are: millions of samples
// (every delivery of a fan-out run) in constant memory.
class histogram {
 public:
  void add(double micros);
  // q in [0, 1], in microseconds (to the bucket's upper edge); 0 when empty.
  double percentile(double q) const;
  std::uint64_t count() const { return count_; }

 private:
  static constexpr double bucket_us = 10;
  static constexpr std::size_t buckets = 100000;
  std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(buckets, 0);
  std::vector<double> beyond_;
  std::uint64_t count_ = 0;
};

}  // namespace wssd::bench
