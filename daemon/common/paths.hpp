// Where a system or a user instance keeps its configuration, socket and state, unless
// configured. The default instance's files are named wssd (wssd.conf, wssd.sock, STATE); an
// instance NAME's are NAME.conf, NAME.sock and STATE/NAME (daemon/common/instance.hpp).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace wssd {

// What the defaults depend on: the effective uid and the environment. The functions without
// one use the process's own; tests pass theirs.
struct path_context {
  unsigned euid = 0;
  std::function<std::string(const char* name)> env;  // "" when unset

  static path_context current();
};

bool is_system_instance(const path_context& c);
std::string default_socket_path(std::string_view instance, const path_context& c);
std::string default_state_dir(std::string_view instance, const path_context& c);
std::string default_config_file(std::string_view instance, const path_context& c);

bool is_system_instance();
std::string default_socket_path(std::string_view instance = {});
std::string default_state_dir(std::string_view instance = {});
std::string default_config_file(std::string_view instance = {});
std::string default_bus();

// The system service's: /run/wssd/wssd.sock or /run/wssd/NAME.sock.
inline constexpr const char* system_runtime_dir = "/run/wssd";
std::string system_socket_path(std::string_view instance = {});

}  // namespace wssd
