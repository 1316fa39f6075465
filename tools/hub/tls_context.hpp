// The TLS server context both ports share when the hub runs with --cert/--key.
#pragma once

#include <asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <variant>

namespace wss_hub {

struct tls_files {
  std::string cert;  // PEM certificate chain
  std::string key;   // PEM private key
};

// The context, or why the files could not be used.
std::variant<std::shared_ptr<asio::ssl::context>, std::string> make_tls_context(
    const tls_files& files);

}  // namespace wss_hub
