#include "bench/ratio_reporter.hpp"

#include <unistd.h>

#include <iomanip>

namespace wssd::bench {

ratio_reporter::ratio_reporter(std::vector<comparison> comparisons)
    : ConsoleReporter(::isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular),
      comparisons_(std::move(comparisons)) {}

void ratio_reporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const auto& run : runs) {
    if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
    const double seconds =
        run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
    times_ns_[{run.run_name.function_name, run.run_name.args}] = seconds * 1e9;
  }
}

void ratio_reporter::Finalize() {
  auto& out = GetOutputStream();
  out << std::fixed;
  for (const auto& c : comparisons_) {
    out << "\n" << c.slower << " / " << c.faster << " (real time)\n";
    for (const auto& [key, slow_ns] : times_ns_) {
      if (key.first != c.slower) continue;
      const auto fast = times_ns_.find({c.faster, key.second});
      if (fast == times_ns_.end() || fast->second <= 0) continue;
      out << "  " << (key.second.empty() ? "-" : key.second) << ": " << std::setprecision(0)
          << slow_ns << " ns / " << fast->second << " ns = " << std::setprecision(1)
          << slow_ns / fast->second << "x\n";
    }
  }
  ConsoleReporter::Finalize();
}

}  // namespace wssd::bench
