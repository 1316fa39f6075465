#include "proto/identity.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace wssd::proto {
namespace {

bool lower_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

TEST(identity, sha256_of_abc) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(identity, sha256_of_the_empty_string) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(identity, sha256_of_two_blocks) {
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(identity, sha256_hashes_embedded_nul_bytes) {
  using namespace std::string_view_literals;
  EXPECT_NE(sha256_hex("a\0b"sv), sha256_hex("a"));
}

TEST(identity, private_id_is_sha256_of_server_colon_user) {
  EXPECT_EQ(private_id_for("srv", "usr"),
            "b7ceaf823644951c722309807ba8448d37297293f8d00764e0a24b497021fa96");
  EXPECT_EQ(private_id_for("srv", "usr"), sha256_hex("srv:usr"));
}

TEST(identity, private_id_depends_on_the_order_of_the_tokens) {
  EXPECT_NE(private_id_for("a", "b"), private_id_for("b", "a"));
}

TEST(identity, random_token_is_64_lower_case_hex_characters) {
  const auto token = random_token();
  EXPECT_EQ(token.size(), 64u);
  EXPECT_TRUE(lower_hex(token)) << token;
}

TEST(identity, random_tokens_differ) {
  const auto first = random_token();
  const auto second = random_token();
  EXPECT_NE(first, second);
}

}  // namespace
}  // namespace wssd::proto
