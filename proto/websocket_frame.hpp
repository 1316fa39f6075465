// Outgoing WebSocket text frames, prepared once for websocketpp's connection::send(message_ptr).
//
// websocketpp prepares a frame by validating its UTF-8 byte by byte and copying the payload,
// masked byte by byte, into a second buffer: a fifth of wssd's instructions per relayed message
// (docs/benchmarks.md). Here the payload is moved in, not copied, checked a word at a time
// (what wssd and wss-hub send is JSON, nearly always ASCII) and masked in place.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <websocketpp/frame.hpp>

namespace wssd::proto {

// Whether `text` is well-formed UTF-8, as the payload of a text frame must be (RFC 6455 8.1).
bool is_valid_utf8(std::string_view text);

// XORs `data` with the 4-byte masking key (RFC 6455 5.3), byte i with byte i % 4 of `key` as
// it lies in memory, which is how websocketpp writes the key into the header.
void mask_in_place(std::string& data, std::uint32_t key);

// One unfragmented text frame, prepared (websocketpp sends it as it is); null when `text` is
// not valid UTF-8. A client's frame carries a masking key; a server's carries none.
template <class Message>
std::shared_ptr<Message> prepared_text_frame(std::string text,
                                             std::optional<std::uint32_t> masking_key) {
  namespace frame = websocketpp::frame;
  if (!is_valid_utf8(text)) return nullptr;
  auto message = std::make_shared<Message>(nullptr, frame::opcode::text, 0);
  const frame::basic_header basic(frame::opcode::text, text.size(), true, masking_key.has_value());
  message->set_header(
      frame::prepare_header(basic, masking_key ? frame::extended_header(text.size(), *masking_key)
                                               : frame::extended_header(text.size())));
  if (masking_key) mask_in_place(text, *masking_key);
  message->get_raw_payload() = std::move(text);
  message->set_prepared(true);
  return message;
}

}  // namespace wssd::proto
