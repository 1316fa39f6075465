// The head of an HTTP/1.x request as far as the metrics listener needs it: the request line,
// once the blank line after the headers is in, within a bound.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wssd::http {

enum class head_status {
  incomplete,  // read more
  complete,
  too_large,  // no end of the headers within the limit: 431
  malformed,  // no request line to be read: 400
};

struct request_head {
  head_status status = head_status::incomplete;
  std::string method;
  std::string path;  // the target without its query
};

// `received` is everything read so far; a head longer than `limit` bytes is too large.
request_head scan_request_head(std::string_view received, std::size_t limit);

}  // namespace wssd::http
