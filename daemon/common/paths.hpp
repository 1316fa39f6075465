// Where a system or a user instance keeps its socket and state, unless configured.
#pragma once

#include <string>

namespace wssd {

bool is_system_instance();
std::string default_socket_path();
std::string default_state_dir();
std::string default_bus();
inline constexpr const char* default_config_path = "/etc/wssd/wssd.conf";

}  // namespace wssd
