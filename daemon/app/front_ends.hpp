// The faces local processes use: the Unix socket and, unless --bus none, D-Bus.
#pragma once

#include <asio/io_context.hpp>
#include <functional>
#include <memory>

#include "daemon/config/config.hpp"
#include "daemon/service/service.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class front_ends {
 public:
  virtual ~front_ends() = default;
  // Takes no new clients or calls; what is under way goes on.
  virtual void stop_accepting() = 0;
  // Delivers what was answered and sent, then closes every connection; `done` runs after.
  virtual void drain(std::function<void()> done) = 0;
  // The running configuration changed (SIGHUP): access lists and limits apply at once.
  virtual void reconfigure() = 0;
};

// `c` is the running configuration, which SIGHUP changes in place.
proto::parsed<std::unique_ptr<front_ends>> start_front_ends(asio::io_context& io, const config& c,
                                                            service& s);

}  // namespace wssd
