#include "daemon/common/instance.hpp"

namespace wssd {

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::optional<std::string> instance_name_error(std::string_view name) {
  const auto quoted = "instance name \"" + std::string(name) + "\": ";
  if (name.empty()) return "instance name: empty";
  if (name.size() > max_instance_name) {
    return quoted + "longer than " + std::to_string(max_instance_name) + " characters";
  }
  for (const char c : name) {
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') {
      return quoted + "only letters, digits, '-', '_' and '.' are allowed";
    }
  }
  if (name.front() == '.') return quoted + "must not start with '.'";
  if (name == "wssd") {
    return quoted + "is the default instance's (wssd.sock, wssd.conf): leave the instance out";
  }
  return std::nullopt;
}

std::string instance_file_stem(std::string_view instance) {
  return instance.empty() ? "wssd" : std::string(instance);
}

std::string dbus_name_for(std::string_view instance) {
  std::string name = default_dbus_name;
  if (instance.empty()) return name;
  static constexpr char hex[] = "0123456789abcdef";
  name += ".i_";
  for (const char c : instance) {
    if (is_alnum(c)) {
      name += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      name += '_';
      name += hex[byte >> 4];
      name += hex[byte & 0xf];
    }
  }
  return name;
}

}  // namespace wssd
