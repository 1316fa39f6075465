// Answers to the HTTP handshake.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/link/http_post.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)wssd::parse_http_response(text, false);
  (void)wssd::parse_http_response(text, true);
  return 0;
}
