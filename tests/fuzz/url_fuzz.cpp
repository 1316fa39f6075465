// URLs from the configuration and the command line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/config/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)wssd::parse_url(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
