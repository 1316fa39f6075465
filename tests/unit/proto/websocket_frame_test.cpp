#include "proto/websocket_frame.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <websocketpp/message_buffer/alloc.hpp>
#include <websocketpp/message_buffer/message.hpp>
#include <websocketpp/utf8_validator.hpp>

namespace wssd::proto {
namespace {

using message =
    websocketpp::message_buffer::message<websocketpp::message_buffer::alloc::con_msg_manager>;

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s.push_back(static_cast<char>(b));
  return s;
}

TEST(websocket_frame, utf8_agrees_with_websocketpps_validator_wherever_the_odd_byte_is) {
  const std::vector<std::string> odd = {
      "\xc3\xa9",          // é
      "\xe2\x82\xac",      // €
      "\xf0\x9f\x98\x80",  // an emoji
      "\xff",              // never valid
      "\xc3",              // cut short
      "\xc0\x80",          // overlong
      "\xed\xa0\x80",      // a surrogate
      "\xe2\x82",          // cut short at the end
  };
  for (const auto& piece : odd) {
    for (std::size_t at : {0, 1, 7, 8, 9, 15, 16, 23}) {
      std::string text(at, 'a');
      text += piece;
      text += std::string(at % 5, 'b');
      EXPECT_EQ(is_valid_utf8(text), websocketpp::utf8_validator::validate(text))
          << "at " << at << ", " << text.size() << " bytes";
    }
  }
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8(std::string(1000, 'x')));
}

TEST(websocket_frame, masking_is_websocketpps_and_undoes_itself) {
  const std::uint32_t key = 0xa1b2c3d4;
  websocketpp::frame::masking_key_type k;
  k.i = key;
  for (std::size_t n = 0; n < 40; ++n) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text.push_back(static_cast<char>('A' + i));
    std::string expected = text;
    websocketpp::frame::byte_mask(text.begin(), text.end(), expected.begin(), k);
    std::string masked = text;
    mask_in_place(masked, key);
    EXPECT_EQ(masked, expected) << n << " bytes";
    mask_in_place(masked, key);
    EXPECT_EQ(masked, text) << n << " bytes";
  }
}

TEST(websocket_frame, the_header_has_the_length_in_the_form_rfc_6455_asks) {
  struct row {
    std::size_t size;
    std::string header;
  };
  const std::vector<row> rows = {
      {0, bytes({0x81, 0x00})},
      {125, bytes({0x81, 125})},
      {126, bytes({0x81, 126, 0x00, 126})},
      {65535, bytes({0x81, 126, 0xff, 0xff})},
      {65536, bytes({0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0})},
  };
  for (const auto& r : rows) {
    const auto frame = prepared_text_frame<message>(std::string(r.size, 'x'), std::nullopt);
    ASSERT_TRUE(frame);
    EXPECT_TRUE(frame->get_prepared());
    EXPECT_EQ(frame->get_header(), r.header) << r.size;
    EXPECT_EQ(frame->get_payload(), std::string(r.size, 'x'));
  }
}

TEST(websocket_frame, a_clients_frame_carries_its_key_and_a_masked_payload) {
  const std::uint32_t key = 0x01020304;
  const auto frame = prepared_text_frame<message>("hello", key);
  ASSERT_TRUE(frame);
  std::string key_bytes(4, '\0');
  std::memcpy(key_bytes.data(), &key, 4);
  EXPECT_EQ(frame->get_header(), bytes({0x81, 0x80 | 5}) + key_bytes);
  std::string payload = frame->get_payload();
  EXPECT_NE(payload, "hello");
  mask_in_place(payload, key);
  EXPECT_EQ(payload, "hello");
}

TEST(websocket_frame, text_that_is_not_utf8_is_refused) {
  EXPECT_FALSE(prepared_text_frame<message>("ok \xff", 1u));
  EXPECT_FALSE(prepared_text_frame<message>("ok \xff", std::nullopt));
}

}  // namespace
}  // namespace wssd::proto
