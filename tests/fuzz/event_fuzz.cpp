// Event notifications as wssctl, the examples and the journal read them back: what decodes
// must encode to a line that decodes to the same event.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proto/events.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto params = wssd::proto::parse_object(text);
  if (!params) return 0;
  auto event = wssd::proto::decode_event(*params);
  if (!event) return 0;
  const auto line = wssd::proto::encode_event_line(1, *event);
  auto again = wssd::proto::parse_object(line);
  if (!again) std::abort();
  auto decoded = wssd::proto::decode_event(again->at("params").as_object());
  if (!decoded || wssd::proto::encode_event_line(1, *decoded) != line) std::abort();
  return 0;
}
