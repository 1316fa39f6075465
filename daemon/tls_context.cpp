#include "daemon/tls_context.hpp"

#include <asio/ssl/host_name_verification.hpp>

namespace wssd {

std::shared_ptr<asio::ssl::context> make_tls_context(const tls_options& tls,
                                                     const std::string& host) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  if (tls.insecure) {
    ctx->set_verify_mode(asio::ssl::verify_none);
    return ctx;
  }
  // A context without trust anchors refuses every peer, so a bad ca_file fails the connect
  // with a verification error rather than silently trusting anything.
  asio::error_code ignored;
  if (tls.ca_file.empty()) {
    ctx->set_default_verify_paths(ignored);
  } else {
    ctx->load_verify_file(tls.ca_file, ignored);
  }
  ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  ctx->set_verify_callback(asio::ssl::host_name_verification(host));
  return ctx;
}

}  // namespace wssd
