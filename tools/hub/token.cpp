#include "tools/hub/token.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

namespace wss_hub {

namespace {

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += hex[bytes[i] >> 4];
    out += hex[bytes[i] & 0xF];
  }
  return out;
}

}  // namespace

std::optional<std::string> make_server_token() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return std::nullopt;
  return to_hex(bytes.data(), bytes.size());
}

std::string make_private_id(std::string_view server_token, std::string_view user_token) {
  std::string input;
  input.reserve(server_token.size() + 1 + user_token.size());
  input.append(server_token).append(":").append(user_token);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return to_hex(digest.data(), size);
}

}  // namespace wss_hub
