#include "ipc/http/request_head.hpp"

#include <gtest/gtest.h>

namespace wssd::http {
namespace {

TEST(request_head, a_whole_head_gives_method_and_path_without_the_query) {
  const auto h = scan_request_head("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", 8192);
  EXPECT_EQ(h.status, head_status::complete);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.path, "/metrics");
  EXPECT_EQ(scan_request_head("HEAD / HTTP/1.0\n\n", 8192).status, head_status::complete);
}

TEST(request_head, a_head_in_pieces_is_incomplete_until_its_blank_line) {
  EXPECT_EQ(scan_request_head("", 8192).status, head_status::incomplete);
  EXPECT_EQ(scan_request_head("GET /metrics HTTP/1.1\r\nHost: a\r\n", 8192).status,
            head_status::incomplete);
}

TEST(request_head, a_head_over_the_limit_is_too_large_whether_or_not_it_ended) {
  const std::string big = "GET / HTTP/1.1\r\nX: " + std::string(9000, 'a');
  EXPECT_EQ(scan_request_head(big, 8192).status, head_status::too_large);
  EXPECT_EQ(scan_request_head(big + "\r\n\r\n", 8192).status, head_status::too_large);
}

TEST(request_head, no_request_line_is_malformed) {
  for (const auto* bad : {"\r\n\r\n", "GET\r\n\r\n", "GET /metrics\r\n\r\n",
                          "GET  HTTP/1.1\r\n\r\n", "GET /metrics SSH-2.0\r\n\r\n"}) {
    EXPECT_EQ(scan_request_head(bad, 8192).status, head_status::malformed) << bad;
  }
}

}  // namespace
}  // namespace wssd::http
