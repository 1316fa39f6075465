// The console output of Google Benchmark, followed by the ratio of two benchmarks' times for
// every argument both ran with: figures vary run to run, ratios from one run compare.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace wssd::bench {

class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  struct comparison {
    std::string slower;  // benchmark function names, e.g. "BM_serialise_per_subscriber"
    std::string faster;
  };

  // Colours only on a terminal: the output is meant to be pasted into docs/benchmarks.md.
  explicit ratio_reporter(std::vector<comparison> comparisons);

  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

 private:
  std::vector<comparison> comparisons_;
  // (function name, arguments) → real time per iteration in nanoseconds.
  std::map<std::pair<std::string, std::string>, double> times_ns_;
};

}  // namespace wssd::bench
