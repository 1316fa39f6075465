#include "daemon/link/tls_context.hpp"

#include <openssl/x509.h>

#include <asio/ssl/host_name_verification.hpp>

namespace wssd {

std::shared_ptr<asio::ssl::context> make_tls_context(const tls_options& tls,
                                                     const std::string& host,
                                                     std::shared_ptr<std::string> why_refused) {
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
  ctx->set_verify_callback([host, why_refused](bool preverified, asio::ssl::verify_context& vc) {
    const bool ok = asio::ssl::host_name_verification(host)(preverified, vc);
    if (!ok && why_refused && why_refused->empty()) {
      const int error = X509_STORE_CTX_get_error(vc.native_handle());
      *why_refused = preverified ? "the server's certificate is not for " + host
                                 : std::string("certificate verify failed: ") +
                                       X509_verify_cert_error_string(error);
    }
    return ok;
  });
  return ctx;
}

}  // namespace wssd
