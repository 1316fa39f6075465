#include "ipc/dbus/dbus_errors.hpp"

#include "proto/wssd_errors.hpp"

namespace wssd::dbus_errors {

mapped from_rpc_error(const proto::rpc_error& e) {
  namespace own = proto::wssd_error;
  switch (e.code) {
    // wssd's argument checks, or the server's (a private id it will not take): either way the
    // caller's argument.
    case proto::error_code::invalid_params:
      return {invalid_argument, e.message};
    // No answer from the server now; the same call may well work once wssd is back online.
    case own::offline:
    case own::queue_full:
    case own::connection_lost:
    case own::timeout:
    case own::stopping:
      return {offline, e.message};
    case own::expired:
      return {expired, e.message};
    case own::denied:
      return {denied, e.message};
    case own::bad_answer:
      return {server_error, e.message};
    default:
      return {server_error, "server error " + std::to_string(e.code) + ": " + e.message};
  }
}

}  // namespace wssd::dbus_errors
