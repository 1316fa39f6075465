// spdlog set up for where wssd runs: the journal (with priorities) under systemd, a terminal
// otherwise.
#pragma once

#include <string>

namespace wssd {

void setup_logging(const std::string& level, bool foreground);
void set_log_level(const std::string& level);

}  // namespace wssd
