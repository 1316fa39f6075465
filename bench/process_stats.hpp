// What the system benchmark reads about the processes it runs, and about its own limits and
// results (Linux /proc only).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace wssd::bench {

// The hub and the wssd under measurement, as every system benchmark reaches them.
struct measured_processes {
  std::string hub_url;
  std::string wssd_socket;
  pid_t wssd_pid = -1;
  pid_t hub_pid = -1;
};

struct memory_use {
  long rss_kib = 0;   // VmRSS: resident now
  long peak_kib = 0;  // VmHWM: the most it was ever resident
};
std::optional<memory_use> memory_of(pid_t pid);

// User plus system CPU time the process has used so far, in seconds (clock-tick resolution).
std::optional<double> cpu_seconds_of(pid_t pid);

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

 private:
  std::vector<double> values_;
};

}  // namespace wssd::bench
