// How wssd's and the server's JSON-RPC errors become org.wssd.Session1 errors.
#include "ipc/dbus/dbus_errors.hpp"

#include <gtest/gtest.h>

#include "proto/wssd_errors.hpp"

namespace wssd {
namespace {

std::string name_for(std::int64_t code) {
  return dbus_errors::from_rpc_error({code, "why", {}}).name;
}

TEST(dbus_errors, wssds_own_codes_have_their_own_names) {
  namespace own = proto::wssd_error;
  EXPECT_EQ(name_for(proto::error_code::invalid_params), "org.wssd.Session1.Error.InvalidArgument");
  EXPECT_EQ(name_for(own::expired), "org.wssd.Session1.Error.Expired");
  EXPECT_EQ(name_for(own::denied), "org.wssd.Session1.Error.Denied");
  for (auto code :
       {own::offline, own::queue_full, own::connection_lost, own::timeout, own::stopping}) {
    EXPECT_EQ(name_for(code), "org.wssd.Session1.Error.Offline") << code;
  }
  EXPECT_EQ(name_for(own::bad_answer), "org.wssd.Session1.Error.ServerError");
}

TEST(dbus_errors, the_servers_codes_are_server_errors_that_say_the_code) {
  const auto mapped = dbus_errors::from_rpc_error({-32001, "Too many connections", {}});
  EXPECT_STREQ(mapped.name, "org.wssd.Session1.Error.ServerError");
  EXPECT_EQ(mapped.message, "server error -32001: Too many connections");
  EXPECT_EQ(dbus_errors::from_rpc_error({-32603, "Internal error", {}}).message,
            "server error -32603: Internal error");
}

TEST(dbus_errors, messages_pass_through) {
  EXPECT_EQ(
      dbus_errors::from_rpc_error({proto::wssd_error::stopping, "wssd is stopping", {}}).message,
      "wssd is stopping");
}

}  // namespace
}  // namespace wssd
