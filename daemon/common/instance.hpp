// Several identities on one host: instance NAME has a configuration, a socket, a state directory
// and a D-Bus name of its own. The default instance (no name) keeps the plain wssd names.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wssd {

// NAME.sock must fit in a socket address (108 bytes) under any runtime directory, and the
// escaped D-Bus name in 255 bytes.
inline constexpr std::size_t max_instance_name = 64;

// Why `name` cannot name an instance, or nullopt. Allowed: ASCII letters, digits, '-', '_'
// and '.', not first '.' (".." would be the parent directory). "wssd" is refused: its files
// (wssd.sock, wssd.conf) are the default instance's.
std::optional<std::string> instance_name_error(std::string_view name);

// The stem of the instance's socket and configuration file: "wssd" for the default instance.
std::string instance_file_stem(std::string_view instance);

// The default instance's D-Bus name; the instances' are below it.
inline constexpr const char* default_dbus_name = "org.wssd.Session1";

// default_dbus_name for the default instance; "org.wssd.Session1.i_" + the name escaped for
// NAME: letters and digits stay, any other byte becomes '_' and two lowercase hex digits
// ("hub-2" -> org.wssd.Session1.i_hub_2d2), so that names stay valid and distinct.
std::string dbus_name_for(std::string_view instance);

}  // namespace wssd
