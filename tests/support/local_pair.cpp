#include "tests/support/local_pair.hpp"

#include <sys/socket.h>

#include <array>
#include <asio/local/connect_pair.hpp>
#include <asio/write.hpp>
#include <boost/json/parse.hpp>

namespace wssd::test {

local_pair::local_pair(asio::io_context& io) : wssd_end_(io), client_(io) {
  asio::local::connect_pair(wssd_end_, client_);
  const int smallest = 1;  // the kernel rounds it up to its least
  ::setsockopt(wssd_end_.native_handle(), SOL_SOCKET, SO_SNDBUF, &smallest, sizeof smallest);
  client_.non_blocking(true);
}

void local_pair::write(std::string_view text) {
  asio::write(client_, asio::buffer(text));
}

void local_pair::shutdown_send() {
  client_.shutdown(socket::shutdown_send);
}

void local_pair::read_available() {
  std::array<char, 64 * 1024> chunk;
  while (!ended_) {
    asio::error_code ec;
    const auto n = client_.read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return;
    if (ec) {
      ended_ = true;
      return;
    }
    partial_.append(chunk.data(), n);
    for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n')) {
      lines_.push_back(boost::json::parse(partial_.substr(0, nl)).as_object());
      partial_.erase(0, nl + 1);
    }
  }
}

}  // namespace wssd::test
