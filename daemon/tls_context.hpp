// The client TLS context for wss:// and https://: peer and host-name verification against the
// system CA store (or ca_file) unless `insecure` was asked for explicitly.
#pragma once

#include <asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "daemon/transport.hpp"

namespace wssd {

std::shared_ptr<asio::ssl::context> make_tls_context(const tls_options& tls,
                                                     const std::string& host);

}  // namespace wssd
