// One HTTP(S) POST and its answer body, for the optional HTTP handshake. Bounded by a timeout:
// servers of this protocol never answer some requests at all.
#pragma once

#include <asio/io_context.hpp>
#include <functional>
#include <string>

#include "daemon/config/config.hpp"
#include "daemon/config/url.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

using http_callback = std::function<void(proto::parsed<std::string> body)>;

void http_post(asio::io_context& io, const url& target, std::string content_type, std::string body,
               const tls_options& tls, seconds timeout, http_callback done);

// Exposed for tests: the body of a complete HTTP/1.x response, or why there is none yet
// (`complete` false) or ever (an error).
struct http_response_view {
  bool complete = false;
  int status = 0;
  std::string headers;  // the header block, status line excluded
  std::string body;
};
proto::parsed<http_response_view> parse_http_response(std::string_view raw, bool at_eof);

}  // namespace wssd
