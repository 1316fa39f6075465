#include "proto/websocket_frame.hpp"

#include <cstring>
#include <websocketpp/utf8_validator.hpp>

namespace wssd::proto {

namespace {
constexpr std::uint64_t high_bits = 0x8080808080808080ULL;
}

bool is_valid_utf8(std::string_view text) {
  // ASCII a word at a time; the first word with a byte of 0x80 or above goes to the full check.
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    if (word & high_bits) break;
  }
  for (; i < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) & 0x80) {
      websocketpp::utf8_validator::validator v;
      return v.decode(text.begin() + static_cast<std::ptrdiff_t>(i), text.end()) && v.complete();
    }
  }
  return true;
}

void mask_in_place(std::string& data, std::uint32_t key) {
  unsigned char key_bytes[8];
  std::memcpy(key_bytes, &key, 4);
  std::memcpy(key_bytes + 4, &key, 4);
  std::uint64_t key_word;
  std::memcpy(&key_word, key_bytes, 8);
  char* p = data.data();
  const std::size_t n = data.size();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);
    word ^= key_word;
    std::memcpy(p + i, &word, 8);
  }
  for (; i < n; ++i) p[i] = static_cast<char>(p[i] ^ key_bytes[i % 4]);
}

}  // namespace wssd::proto
