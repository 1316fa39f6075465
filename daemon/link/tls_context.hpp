// The client TLS context for wss:// and https://: peer and host-name verification against the
// system CA store (or ca_file) unless `insecure` was asked for explicitly.
#pragma once

#include <asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "daemon/config/tls_options.hpp"

namespace wssd {

// `why_refused`, if given, receives the verifier's reason when it refuses the server: the TLS
// layer itself only reports that the handshake failed.
std::shared_ptr<asio::ssl::context> make_tls_context(
    const tls_options& tls, const std::string& host,
    std::shared_ptr<std::string> why_refused = nullptr);

}  // namespace wssd
