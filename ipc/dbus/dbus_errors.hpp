// The D-Bus errors of org.wssd.Session1, and how wssd's and the server's JSON-RPC errors map
// onto them (docs/dbus.md).
#pragma once

#include <string>

#include "proto/jsonrpc.hpp"

namespace wssd::dbus_errors {

inline constexpr const char* offline = "org.wssd.Session1.Error.Offline";
inline constexpr const char* invalid_json = "org.wssd.Session1.Error.InvalidJson";
inline constexpr const char* invalid_argument = "org.wssd.Session1.Error.InvalidArgument";
inline constexpr const char* denied = "org.wssd.Session1.Error.Denied";
inline constexpr const char* expired = "org.wssd.Session1.Error.Expired";
inline constexpr const char* server_error = "org.wssd.Session1.Error.ServerError";

struct mapped {
  const char* name;
  std::string message;
};

mapped from_rpc_error(const proto::rpc_error& e);

}  // namespace wssd::dbus_errors
