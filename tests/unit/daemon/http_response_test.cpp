#include <gtest/gtest.h>

#include "daemon/link/http_post.hpp"

namespace wssd {
namespace {

http_response_view parsed_response(std::string_view raw, bool at_eof) {
  auto r = parse_http_response(raw, at_eof);
  if (!r) {
    ADD_FAILURE() << r.error().what;
    return {};
  }
  return *r;
}

std::string error_of(std::string_view raw, bool at_eof) {
  const auto r = parse_http_response(raw, at_eof);
  if (r) {
    ADD_FAILURE() << "accepted: " << raw;
    return {};
  }
  return r.error().what;
}

constexpr std::string_view json_answer =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json-rpc\r\nContent-Length: 11\r\n\r\n"
    "{\"a\":true}\n";

TEST(http_response, content_length_body) {
  const auto r = parsed_response(json_answer, false);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"a\":true}\n");
}

TEST(http_response, content_length_ignores_bytes_after_the_body) {
  const auto r = parsed_response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", false);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "ok");
}

TEST(http_response, header_names_are_case_insensitive) {
  const auto r = parsed_response("HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:   3 \r\n\r\nabc", false);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "abc");
}

TEST(http_response, partial_content_length_body_is_not_complete_yet) {
  const auto r = parsed_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false);
  EXPECT_FALSE(r.complete);
}

TEST(http_response, partial_content_length_body_at_eof_is_truncated) {
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true),
            "truncated HTTP answer");
}

TEST(http_response, partial_headers_are_not_complete_yet) {
  const auto r = parsed_response("HTTP/1.1 200 OK\r\nContent-Len", false);
  EXPECT_FALSE(r.complete);
}

TEST(http_response, partial_headers_at_eof_are_truncated) {
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Len", true), "truncated HTTP answer");
  EXPECT_EQ(error_of("", true), "truncated HTTP answer");
}

TEST(http_response, chunked_body_is_reassembled) {
  const auto r = parsed_response(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\n{\"a\"\r\nA\r\n:1234567}\n\r\n0\r\n\r\n",
      false);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"a\":1234567}\n");
}

TEST(http_response, chunk_extensions_are_ignored) {
  const auto r = parsed_response(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;name=value\r\nabc\r\n0\r\n\r\n",
      false);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "abc");
}

TEST(http_response, chunked_takes_precedence_over_content_length) {
  const auto r = parsed_response(
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n",
      false);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "abc");
}

TEST(http_response, partial_chunked_body_is_not_complete_yet) {
  const auto r =
      parsed_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", false);
  EXPECT_FALSE(r.complete);
}

TEST(http_response, partial_chunked_body_at_eof_is_truncated) {
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", true),
            "truncated HTTP answer");
}

TEST(http_response, bad_chunk_size) {
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n", false),
            "bad chunk size in HTTP answer");
}

TEST(http_response, close_delimited_body_completes_at_eof) {
  const auto r = parsed_response("HTTP/1.0 200 OK\r\n\r\n{\"b\":1}", true);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "{\"b\":1}");
}

TEST(http_response, close_delimited_body_is_not_complete_before_eof) {
  const auto r = parsed_response("HTTP/1.0 200 OK\r\n\r\n{\"b\":1}", false);
  EXPECT_FALSE(r.complete);
}

TEST(http_response, error_status_is_reported_with_its_body) {
  const auto r = parsed_response("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope", false);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "nope");
}

TEST(http_response, not_http) {
  EXPECT_EQ(error_of("SSH-2.0-OpenSSH_9.2\r\n\r\n", false), "not an HTTP/1.x answer");
  EXPECT_EQ(error_of("HTTP/2 200\r\n\r\n", false), "not an HTTP/1.x answer");
}

TEST(http_response, bad_status_code) {
  EXPECT_EQ(error_of("HTTP/1.1 abc Bad\r\n\r\n", false), "bad HTTP status line");
}

TEST(http_response, status_code_must_be_three_digits) {
  EXPECT_EQ(error_of("HTTP/1.1 20x OK\r\n\r\n", false), "bad HTTP status line");
}

TEST(http_response, bad_content_length) {
  EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\nabc", false),
            "bad Content-Length");
}

}  // namespace
}  // namespace wssd

namespace wssd {
namespace {

TEST(http_response, keeps_the_header_block_without_the_status_line) {
  const auto r = parse_http_response(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json-rpc\r\nContent-Length: 2\r\n\r\n{}",
      false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers, "Content-Type: application/json-rpc\r\nContent-Length: 2");
  const auto bare = parse_http_response("HTTP/1.0 204 No Content\r\n\r\n", true);
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->headers, "");
}

}  // namespace
}  // namespace wssd
