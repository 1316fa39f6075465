#include "proto/identity.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <stdexcept>

namespace wssd::proto {

namespace {

template <std::size_t N>
std::string hex(const std::array<unsigned char, N>& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * N);
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

}  // namespace

std::string random_token() {
  std::array<unsigned char, 32> bytes{};
  // Without entropy there is no safe identity at all: this is a real, unrecoverable error.
  if (RAND_bytes(bytes.data(), bytes.size()) != 1) throw std::runtime_error("RAND_bytes failed");
  return hex(bytes);
}

std::string sha256_hex(std::string_view input) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  return hex(digest);
}

std::string private_id_for(std::string_view server_token, std::string_view user_token) {
  std::string input;
  input.reserve(server_token.size() + 1 + user_token.size());
  input.append(server_token).append(":").append(user_token);
  return sha256_hex(input);
}

}  // namespace wssd::proto
