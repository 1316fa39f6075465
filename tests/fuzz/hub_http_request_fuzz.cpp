// Bytes on wss-hub's HTTP port, fed in pieces as TCP delivers them: the parser never crashes,
// never loops, and ends every input in a known state.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "tools/hub/http_request_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  wss_hub::http_request_parser parser(64 * 1024);
  // The first byte chooses how the rest is cut into reads.
  const std::size_t piece = size ? 1 + data[0] % 64 : 1;
  for (std::size_t at = size ? 1 : 0; at < size && !parser.failed(); at += piece) {
    parser.feed(bytes.substr(at, piece));
    for (int events = 0; events < 10000; ++events) {
      const auto e = parser.next();
      if (std::holds_alternative<wss_hub::http_request_parser::need_more>(e)) break;
      if (std::holds_alternative<wss_hub::http_parse_error>(e)) break;
      if (std::holds_alternative<wss_hub::http_request_parser::message_done>(e)) {
        (void)parser.take_body();
      }
    }
  }
  return 0;
}
