#include "tools/hub/tls_context.hpp"

namespace wss_hub {

std::variant<std::shared_ptr<asio::ssl::context>, std::string> make_tls_context(
    const tls_files& files) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  asio::error_code ec;
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use,
                       ec);
  if (ec) return "TLS options: " + ec.message();
  context->use_certificate_chain_file(files.cert, ec);
  if (ec) return "certificate " + files.cert + ": " + ec.message();
  context->use_private_key_file(files.key, asio::ssl::context::pem, ec);
  if (ec) return "private key " + files.key + ": " + ec.message();
  return context;
}

}  // namespace wss_hub
