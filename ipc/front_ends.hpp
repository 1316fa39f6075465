// The faces local processes use: the Unix socket and, unless --bus none, D-Bus.
#pragma once

#include <asio/io_context.hpp>
#include <memory>

#include "daemon/config.hpp"
#include "daemon/service.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class front_ends {
 public:
  virtual ~front_ends() = default;
  virtual void stop() = 0;
};

proto::parsed<std::unique_ptr<front_ends>> start_front_ends(asio::io_context& io, const config& c,
                                                            service& s);

}  // namespace wssd
