#include "tools/hub/http_request_parser.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

namespace wss_hub {

namespace {

// Node's maxHeaderSize: counted over the target and every header name and value.
constexpr std::size_t max_header_bytes = 16 * 1024;
// Node's limit on the extensions of one chunk-size line.
constexpr std::size_t max_chunk_extension_bytes = 16 * 1024;
// What an unfinished line may hold beyond the counted bytes (separators, the version).
constexpr std::size_t line_slack = 32;

// http.METHODS of Node 20: llhttp refuses every other method with a 400.
bool is_known_method(std::string_view method) {
  static constexpr std::array<std::string_view, 35> methods = {
      "ACL",       "BIND",      "CHECKOUT", "CONNECT",  "COPY",   "DELETE",     "GET",
      "HEAD",      "LINK",      "LOCK",     "M-SEARCH", "MERGE",  "MKACTIVITY", "MKCALENDAR",
      "MKCOL",     "MOVE",      "NOTIFY",   "OPTIONS",  "PATCH",  "POST",       "PROPFIND",
      "PROPPATCH", "PURGE",     "PUT",      "QUERY",    "REBIND", "REPORT",     "SEARCH",
      "SOURCE",    "SUBSCRIBE", "TRACE",    "UNBIND",   "UNLINK", "UNLOCK",     "UNSUBSCRIBE"};
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Field values: visible characters, obs-text, spaces and tabs; no other control character.
bool is_value_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7F);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// Calls f on every comma-separated, trimmed, non-empty element of a header value.
template <class F>
bool for_each_token(std::string_view value, F f) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    const auto token = trim(value.substr(0, comma));
    if (!token.empty() && !f(token)) return false;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return true;
}

// Node's continueExpression: /(?:^|\W)100-continue(?:$|\W)/i.
bool expects_continue(std::string_view value) {
  static constexpr std::string_view word = "100-continue";
  const auto is_word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  };
  for (std::size_t at = 0; at + word.size() <= value.size(); ++at) {
    if (!iequals(value.substr(at, word.size()), word)) continue;
    const bool open = at == 0 || !is_word(value[at - 1]);
    const std::size_t end = at + word.size();
    if (open && (end == value.size() || !is_word(value[end]))) return true;
  }
  return false;
}

// chunk-ext = *( ";" token [ "=" ( token / quoted-string ) ] ), without whitespace.
bool is_chunk_extension(std::string_view ext) {
  const auto token = [&ext] {
    std::size_t n = 0;
    while (n < ext.size() && is_token_char(ext[n])) ++n;
    ext.remove_prefix(n);
    return n > 0;
  };
  const auto quoted = [&ext] {
    for (std::size_t i = 1; i < ext.size(); ++i) {
      if (ext[i] == '\\') {
        ++i;
      } else if (ext[i] == '"') {
        ext.remove_prefix(i + 1);
        return true;
      } else if (!is_value_char(ext[i])) {
        return false;
      }
    }
    return false;
  };
  while (!ext.empty()) {
    if (ext.front() != ';') return false;
    ext.remove_prefix(1);
    if (!token()) return false;
    if (ext.empty() || ext.front() != '=') continue;
    ext.remove_prefix(1);
    // The value may be empty, as llhttp lets it be.
    if (!ext.empty() && ext.front() == '"' && !quoted()) return false;
    token();
  }
  return true;
}

std::optional<int> digit(char c) {
  if (c < '0' || c > '9') return std::nullopt;
  return c - '0';
}

}  // namespace

http_request_parser::http_request_parser(std::size_t max_body) : max_body_(max_body) {}

void http_request_parser::feed(std::string_view bytes) {
  compact();
  buffer_.append(bytes);
}

void http_request_parser::compact() {
  buffer_.erase(0, pos_);
  pos_ = 0;
}

http_request_parser::event http_request_parser::fail(http_parse_error error) {
  state_ = state::failed;
  buffer_.clear();
  pos_ = 0;
  return error;
}

// A line without its CRLF; nullopt while it is incomplete. A bare LF is an error, flagged by
// leaving the failed state to the caller through an empty optional and state_.
std::optional<std::string_view> http_request_parser::take_line() {
  const auto lf = buffer_.find('\n', pos_);
  if (lf == std::string::npos) return std::nullopt;
  if (lf == pos_ || buffer_[lf - 1] != '\r') {
    state_ = state::failed;
    return std::nullopt;
  }
  const std::string_view line(buffer_.data() + pos_, lf - 1 - pos_);
  pos_ = lf + 1;
  return line;
}

std::optional<http_parse_error> http_request_parser::count_header_bytes(std::size_t n) {
  header_bytes_ += n;
  if (header_bytes_ >= max_header_bytes) return http_parse_error::header_too_large;
  return std::nullopt;
}

std::optional<http_parse_error> http_request_parser::parse_request_line(std::string_view line) {
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return http_parse_error::bad_request;
  const auto method = line.substr(0, sp1);
  const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto version = line.substr(sp2 + 1);
  if (!is_known_method(method) || target.empty()) return http_parse_error::bad_request;
  if (!std::all_of(target.begin(), target.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u != 0x7F;
      })) {
    return http_parse_error::bad_request;
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.') {
    return http_parse_error::bad_request;
  }
  const auto major = digit(version[5]);
  const auto minor = digit(version[7]);
  // The versions llhttp takes; 0.9 and 2.0 are then handled like 1.0.
  const bool known = major && minor &&
                     ((*major == 1 && *minor <= 1) || (*major == 0 && *minor == 9) ||
                      (*major == 2 && *minor == 0));
  if (!known) return http_parse_error::bad_request;
  head_ = http_request_head{};
  head_.method = std::string(method);
  head_.version_major = *major;
  head_.version_minor = *minor;
  body_.clear();
  body_size_ = 0;
  header_bytes_ = 0;
  content_length_.reset();
  transfer_encoding_ = chunked_ = connection_close_ = connection_keep_alive_ = false;
  expect_.clear();
  return count_header_bytes(target.size());
}

std::optional<http_parse_error> http_request_parser::parse_header(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') return http_parse_error::bad_request;
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return http_parse_error::bad_request;
  const auto name = line.substr(0, colon);
  const auto value = trim(line.substr(colon + 1));
  if (!std::all_of(name.begin(), name.end(), is_token_char) ||
      !std::all_of(value.begin(), value.end(), is_value_char)) {
    return http_parse_error::bad_request;
  }
  if (const auto error = count_header_bytes(name.size() + value.size())) return error;
  if (state_ == state::trailers) return std::nullopt;

  if (iequals(name, "content-length")) {
    if (content_length_ || transfer_encoding_ || value.empty())
      return http_parse_error::bad_request;
    std::uint64_t n = 0;
    for (const char c : value) {
      const auto d = digit(c);
      if (!d || n > (std::numeric_limits<std::uint64_t>::max() - *d) / 10) {
        return http_parse_error::bad_request;
      }
      n = n * 10 + static_cast<std::uint64_t>(*d);
    }
    content_length_ = n;
  } else if (iequals(name, "transfer-encoding")) {
    if (content_length_) return http_parse_error::bad_request;
    transfer_encoding_ = true;
    // chunked must be the last coding: anything after it is an error.
    const bool valid = for_each_token(value, [this](std::string_view coding) {
      if (chunked_) return false;
      chunked_ = iequals(coding, "chunked");
      return true;
    });
    if (!valid) return http_parse_error::bad_request;
  } else if (iequals(name, "connection")) {
    for_each_token(value, [this](std::string_view option) {
      if (iequals(option, "close")) connection_close_ = true;
      if (iequals(option, "keep-alive")) connection_keep_alive_ = true;
      return true;
    });
  } else if (iequals(name, "expect")) {
    // Node joins repeated headers with ", " before testing them.
    if (!expect_.empty()) expect_ += ", ";
    expect_.append(value);
    head_.expect_other = true;
  } else if (iequals(name, "host")) {
    head_.has_host = true;
  }
  return std::nullopt;
}

std::optional<http_parse_error> http_request_parser::finish_headers() {
  if (transfer_encoding_ && !chunked_) return http_parse_error::bad_request;
  // llhttp keeps HTTP/1.1 alive unless told otherwise, every other version only when asked.
  head_.keep_alive =
      head_.is_http11() ? !connection_close_ : connection_keep_alive_ && !connection_close_;
  if (head_.is_http11() && head_.expect_other) {
    head_.expect_continue = expects_continue(expect_);
    head_.expect_other = !head_.expect_continue;
  } else {
    head_.expect_other = false;
  }
  store_body_ = head_.method == "POST";
  if (chunked_) {
    state_ = state::chunk_size;
  } else if (content_length_.value_or(0) > 0) {
    if (*content_length_ > max_body_) return http_parse_error::payload_too_large;
    remaining_ = *content_length_;
    state_ = state::body_length;
  } else {
    message_pending_ = true;
  }
  return std::nullopt;
}

std::optional<http_parse_error> http_request_parser::parse_chunk_size(std::string_view line) {
  std::uint64_t size = 0;
  std::size_t i = 0;
  for (; i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i])); ++i) {
    const auto c = static_cast<char>(std::tolower(static_cast<unsigned char>(line[i])));
    const std::uint64_t d =
        c <= '9' ? static_cast<std::uint64_t>(c - '0') : static_cast<std::uint64_t>(c - 'a' + 10);
    if (size > (std::numeric_limits<std::uint64_t>::max() - d) / 16) {
      return http_parse_error::bad_request;
    }
    size = size * 16 + d;
  }
  if (i == 0) return http_parse_error::bad_request;
  const auto extension = line.substr(i);
  if (extension.size() > max_chunk_extension_bytes) return http_parse_error::payload_too_large;
  if (!is_chunk_extension(extension)) return http_parse_error::bad_request;
  if (size == 0) {
    state_ = state::trailers;
    return std::nullopt;
  }
  if (size > max_body_ - body_size_) return http_parse_error::payload_too_large;
  remaining_ = size;
  state_ = state::chunk_data;
  return std::nullopt;
}

void http_request_parser::take_body_bytes(std::size_t n) {
  if (store_body_) body_.append(buffer_, pos_, n);
  pos_ += n;
  body_size_ += n;
  remaining_ -= n;
}

http_request_parser::event http_request_parser::next() {
  for (;;) {
    if (message_pending_) {
      message_pending_ = false;
      state_ = head_.keep_alive ? state::start : state::closed;
      return message_done{};
    }
    const std::size_t available = buffer_.size() - pos_;
    switch (state_) {
      case state::failed:
        return need_more{};
      case state::start:
      case state::closed: {
        // CR and LF between messages are skipped; after a message that closes the
        // connection anything else is an error.
        while (pos_ < buffer_.size() && (buffer_[pos_] == '\r' || buffer_[pos_] == '\n')) ++pos_;
        if (pos_ == buffer_.size()) return need_more{};
        if (state_ == state::closed) return fail(http_parse_error::bad_request);
        state_ = state::request_line;
        continue;
      }
      case state::request_line:
      case state::headers:
      case state::trailers: {
        const auto line = take_line();
        if (state_ == state::failed) return fail(http_parse_error::bad_request);
        if (!line) {
          if (header_bytes_ + available >= max_header_bytes + line_slack) {
            return fail(http_parse_error::header_too_large);
          }
          return need_more{};
        }
        if (state_ == state::request_line) {
          if (const auto error = parse_request_line(*line)) return fail(*error);
          state_ = state::headers;
          continue;
        }
        if (line->empty()) {
          if (state_ == state::trailers) {
            message_pending_ = true;
            continue;
          }
          if (const auto error = finish_headers()) return fail(*error);
          return headers_done{};
        }
        if (const auto error = parse_header(*line)) return fail(*error);
        continue;
      }
      case state::body_length: {
        take_body_bytes(static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, available)));
        if (remaining_ > 0) return need_more{};
        message_pending_ = true;
        continue;
      }
      case state::chunk_size: {
        const auto line = take_line();
        if (state_ == state::failed) return fail(http_parse_error::bad_request);
        if (!line) {
          if (available > max_chunk_extension_bytes + line_slack) {
            const bool extension = buffer_.find(';', pos_) != std::string::npos;
            return fail(extension ? http_parse_error::payload_too_large
                                  : http_parse_error::bad_request);
          }
          return need_more{};
        }
        if (const auto error = parse_chunk_size(*line)) return fail(*error);
        continue;
      }
      case state::chunk_data: {
        take_body_bytes(static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, available)));
        if (remaining_ > 0) return need_more{};
        state_ = state::chunk_data_end;
        continue;
      }
      case state::chunk_data_end: {
        if (available < 2) {
          if (available == 1 && buffer_[pos_] != '\r') return fail(http_parse_error::bad_request);
          return need_more{};
        }
        if (buffer_.compare(pos_, 2, "\r\n") != 0) return fail(http_parse_error::bad_request);
        pos_ += 2;
        state_ = state::chunk_size;
        continue;
      }
    }
  }
}

}  // namespace wss_hub
