#include "tests/support/test_cert.hpp"

#include <cstdlib>

namespace wssd::test {

std::optional<test_cert> make_self_signed_cert(const std::filesystem::path& dir) {
  test_cert cert{(dir / "cert.pem").string(), (dir / "key.pem").string()};
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
      " -addext subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
      " -keyout '" +
      cert.key_file + "' -out '" + cert.cert_file + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) return std::nullopt;
  return cert;
}

}  // namespace wssd::test
