// What a configuration needs from this machine to start, checked alike by --check-config and
// at start-up, so that what --check-config accepts starts: the state directory and the
// socket's directory can be made and written, ipc.group exists, tls.ca_file can be read.
#pragma once

#include <string>
#include <vector>

#include "daemon/config/config.hpp"

namespace wssd {

std::vector<std::string> preflight(const config& c);

}  // namespace wssd
