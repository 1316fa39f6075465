// HTTP/1.x requests as Node's http server (llhttp, Node 20 defaults) parses them, fed in
// pieces as they arrive: Content-Length and chunked bodies, pipelined requests, and its
// limits. Every byte is bounded: headers by Node's 16 KiB, bodies by the hub's 100 MiB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace wss_hub {

// What Node answers when it cannot parse a request; the connection is closed afterwards.
enum class http_parse_error {
  bad_request,        // 400
  header_too_large,   // 431: start line and headers past 16 KiB
  payload_too_large,  // 413: chunk extensions past 16 KiB, or a body past the hub's limit
};

struct http_request_head {
  std::string method;
  int version_major = 1;
  int version_minor = 1;
  bool keep_alive = true;  // llhttp's should_keep_alive
  bool has_host = false;
  bool expect_continue = false;  // HTTP/1.1 with Expect: 100-continue
  bool expect_other = false;     // HTTP/1.1 with any other Expect: Node answers 417

  bool is_http11() const { return version_major == 1 && version_minor == 1; }
};

class http_request_parser {
 public:
  struct headers_done {};  // head() is complete; the body follows
  struct message_done {};  // head() and body() are complete
  struct need_more {};     // everything fed so far is consumed
  using event = std::variant<headers_done, message_done, need_more, http_parse_error>;

  explicit http_request_parser(std::size_t max_body);

  // Appends bytes; call next() until need_more or an error.
  void feed(std::string_view bytes);
  event next();

  const http_request_head& head() const { return head_; }
  // The body of the current POST; bodies of other methods are counted, not kept.
  std::string take_body() { return std::move(body_); }
  // Whether the parser sits between messages with nothing of the next one yet.
  bool idle() const { return state_ == state::start && buffer_.size() == pos_; }
  bool failed() const { return state_ == state::failed; }
  // Whether the headers of the next request are still to come (Node's keep-alive timeout
  // runs until they are in).
  bool awaiting_headers() const {
    return state_ == state::start || state_ == state::request_line || state_ == state::headers;
  }

 private:
  enum class state {
    start,
    closed,  // after a message that does not keep the connection alive
    request_line,
    headers,
    body_length,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailers,
    failed
  };

  std::optional<std::string_view> take_line();
  event fail(http_parse_error error);
  std::optional<http_parse_error> parse_request_line(std::string_view line);
  std::optional<http_parse_error> parse_header(std::string_view line);
  std::optional<http_parse_error> finish_headers();
  std::optional<http_parse_error> parse_chunk_size(std::string_view line);
  std::optional<http_parse_error> count_header_bytes(std::size_t n);
  void take_body_bytes(std::size_t n);
  void compact();

  std::size_t max_body_;
  std::string buffer_;
  std::size_t pos_ = 0;
  state state_ = state::start;
  http_request_head head_;
  std::string body_;
  std::uint64_t body_size_ = 0;
  std::uint64_t remaining_ = 0;  // of the Content-Length body or the current chunk
  std::size_t header_bytes_ = 0;
  std::optional<std::uint64_t> content_length_;
  bool transfer_encoding_ = false;
  bool chunked_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  std::string expect_;            // the Expect values, joined
  bool store_body_ = false;       // only a POST body is ever read by the server
  bool message_pending_ = false;  // message_done is the next event
};

}  // namespace wss_hub
