#include "daemon/system/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace wssd {

void setup_logging(const std::string& level, bool foreground) {
  // JOURNAL_STREAM is set when stderr goes to the journal: log there natively, with levels.
  const bool to_journal = !foreground && std::getenv("JOURNAL_STREAM") != nullptr;
  std::shared_ptr<spdlog::logger> logger;
  if (to_journal) {
    logger = std::make_shared<spdlog::logger>(
        "wssd", std::make_shared<spdlog::sinks::systemd_sink_st>("wssd"));
  } else {
    logger = std::make_shared<spdlog::logger>(
        "wssd", std::make_shared<spdlog::sinks::stderr_color_sink_st>());
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  }
  spdlog::set_default_logger(logger);
  set_log_level(level);
}

void set_log_level(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::trace);
}

}  // namespace wssd
