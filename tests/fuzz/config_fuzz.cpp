// Configuration files.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto c = wssd::parse_config(text)) (void)wssd::validate(*c);
  return 0;
}
