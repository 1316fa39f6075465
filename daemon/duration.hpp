// Configured durations (fractional seconds) as the clock and the log want them.
#pragma once

#include <chrono>
#include <string>

#include "daemon/config.hpp"

namespace wssd {

inline std::chrono::steady_clock::duration to_duration(seconds s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(s);
}

// "0.5 s", "30 s": short and without trailing zeros.
std::string format_seconds(seconds s);

}  // namespace wssd
