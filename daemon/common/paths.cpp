#include "daemon/common/paths.hpp"

#include <unistd.h>

#include <cstdlib>

namespace wssd {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// systemd's RuntimeDirectory=/StateDirectory= may list several paths; the first is ours.
std::string first_path(std::string list) {
  return list.substr(0, list.find(':'));
}

}  // namespace

// Under systemd, $STATE_DIRECTORY is set for a system service and for a user service alike;
// only the user manager's services also get $MANAGERPID.
bool is_system_instance() {
  return ::geteuid() == 0 || (!env("STATE_DIRECTORY").empty() && env("MANAGERPID").empty());
}

std::string default_socket_path() {
  if (auto dir = first_path(env("RUNTIME_DIRECTORY")); !dir.empty()) return dir + "/wssd.sock";
  if (::geteuid() == 0) return "/run/wssd/wssd.sock";
  if (auto dir = env("XDG_RUNTIME_DIR"); !dir.empty()) return dir + "/wssd/wssd.sock";
  return "/tmp/wssd-" + std::to_string(::geteuid()) + "/wssd.sock";
}

std::string default_state_dir() {
  if (auto dir = first_path(env("STATE_DIRECTORY")); !dir.empty()) return dir;
  if (::geteuid() == 0) return "/var/lib/wssd";
  if (auto dir = env("XDG_STATE_HOME"); !dir.empty()) return dir + "/wssd";
  return env("HOME") + "/.local/state/wssd";
}

std::string default_bus() {
  return is_system_instance() ? "system" : "session";
}

}  // namespace wssd
