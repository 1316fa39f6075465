// Frames from the server: anything must be classified or reported, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/wss_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto frame = wssd::proto::decode_frame(text)) {
    if (auto* r = std::get_if<wssd::proto::response>(&*frame); r && r->outcome) {
      (void)wssd::proto::connect_result_from(*r->outcome);
      (void)wssd::proto::server_token_from(*r->outcome);
      (void)wssd::proto::private_id_from(*r->outcome);
    }
  }
  return 0;
}
