// A throw-away directory and a self-signed certificate for localhost, made with the openssl
// command line, for TLS tests.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace wssd::test {

struct test_cert {
  std::string cert_file;  // PEM, CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1
  std::string key_file;   // PEM, unencrypted
};

// nullopt if openssl failed.
std::optional<test_cert> make_self_signed_cert(const std::filesystem::path& dir);

}  // namespace wssd::test
