// Lines from local clients.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/local_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto request = wssd::proto::parse_local_request(text)) {
    (void)wssd::proto::string_list_param(request->params, "to", true);
    (void)wssd::proto::string_param(request->params, "private_id");
    (void)wssd::proto::count_param(request->params, "since");
  }
  return 0;
}
