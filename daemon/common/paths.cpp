#include "daemon/common/paths.hpp"

#include <unistd.h>

#include <cstdlib>

#include "daemon/common/instance.hpp"

namespace wssd {

namespace {

// systemd's RuntimeDirectory=/StateDirectory= may list several paths; the first is ours.
std::string first_path(std::string list) {
  return list.substr(0, list.find(':'));
}

std::string socket_name(std::string_view instance) {
  return "/" + instance_file_stem(instance) + ".sock";
}

// An instance's state lives below the default instance's, one directory each.
std::string state_subdir(std::string_view instance) {
  return instance.empty() ? "" : "/" + std::string(instance);
}

}  // namespace

path_context path_context::current() {
  return {static_cast<unsigned>(::geteuid()), [](const char* name) {
            const char* value = std::getenv(name);
            return std::string(value ? value : "");
          }};
}

// Under systemd, $STATE_DIRECTORY is set for a system service and for a user service alike;
// only the user manager's services also get $MANAGERPID.
bool is_system_instance(const path_context& c) {
  return c.euid == 0 || (!c.env("STATE_DIRECTORY").empty() && c.env("MANAGERPID").empty());
}

std::string default_socket_path(std::string_view instance, const path_context& c) {
  const auto name = socket_name(instance);
  if (auto dir = first_path(c.env("RUNTIME_DIRECTORY")); !dir.empty()) return dir + name;
  if (c.euid == 0) return system_runtime_dir + name;
  if (auto dir = c.env("XDG_RUNTIME_DIR"); !dir.empty()) return dir + "/wssd" + name;
  return "/tmp/wssd-" + std::to_string(c.euid) + name;
}

// $STATE_DIRECTORY is the instance's own: wssd@.service says StateDirectory=wssd/%i.
std::string default_state_dir(std::string_view instance, const path_context& c) {
  if (auto dir = first_path(c.env("STATE_DIRECTORY")); !dir.empty()) return dir;
  const auto sub = state_subdir(instance);
  if (c.euid == 0) return "/var/lib/wssd" + sub;
  if (auto dir = c.env("XDG_STATE_HOME"); !dir.empty()) return dir + "/wssd" + sub;
  return c.env("HOME") + "/.local/state/wssd" + sub;
}

// $CONFIGURATION_DIRECTORY (ConfigurationDirectory=) stands for /etc/wssd.
std::string default_config_file(std::string_view instance, const path_context& c) {
  const auto name = "/" + instance_file_stem(instance) + ".conf";
  if (auto dir = first_path(c.env("CONFIGURATION_DIRECTORY")); !dir.empty()) return dir + name;
  return "/etc/wssd" + name;
}

bool is_system_instance() {
  return is_system_instance(path_context::current());
}

std::string default_socket_path(std::string_view instance) {
  return default_socket_path(instance, path_context::current());
}

std::string default_state_dir(std::string_view instance) {
  return default_state_dir(instance, path_context::current());
}

std::string default_config_file(std::string_view instance) {
  return default_config_file(instance, path_context::current());
}

std::string default_bus() {
  return is_system_instance() ? "system" : "session";
}

std::string system_socket_path(std::string_view instance) {
  return system_runtime_dir + socket_name(instance);
}

}  // namespace wssd
