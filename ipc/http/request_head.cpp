#include "ipc/http/request_head.hpp"

namespace wssd::http {

request_head scan_request_head(std::string_view received, std::size_t limit) {
  request_head head;
  // RFC 9112 asks servers to take a bare LF as a line end too.
  auto end = received.find("\r\n\r\n");
  if (end == std::string_view::npos) end = received.find("\n\n");
  if (end == std::string_view::npos || end > limit) {
    head.status = received.size() >= limit || end != std::string_view::npos
                      ? head_status::too_large
                      : head_status::incomplete;
    return head;
  }
  auto line = received.substr(0, received.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // METHOD SP TARGET SP HTTP/1.x
  const auto first = line.find(' ');
  const auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (first == 0 || second == std::string_view::npos || second == first + 1 ||
      line.substr(second + 1).rfind("HTTP/1.", 0) != 0) {
    head.status = head_status::malformed;
    return head;
  }
  const auto target = line.substr(first + 1, second - first - 1);
  head.status = head_status::complete;
  head.method = std::string(line.substr(0, first));
  head.path = std::string(target.substr(0, target.find('?')));
  return head;
}

}  // namespace wssd::http
