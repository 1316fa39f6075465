// wssd's command line: flags override the configuration file.
#pragma once

#include <optional>
#include <string>

#include "daemon/config/config.hpp"

namespace wssd {

struct invocation {
  config settings;
  std::string config_path;
  bool check_config = false;
  bool foreground = false;
};

// Either what to run, or an exit code with the text already printed (--help, --version,
// usage errors: 2, configuration errors: 1).
struct parse_outcome {
  std::optional<invocation> run;
  int exit_code = 0;
};

parse_outcome parse_command_line(int argc, char** argv);

}  // namespace wssd
