#include "ipc/local_client.hpp"

#include <spdlog/spdlog.h>

#include <asio/write.hpp>
#include <vector>

namespace wssd {

namespace {

constexpr std::size_t max_buffers_per_write = 64;

std::shared_ptr<const std::string> as_line(std::string text) {
  text += '\n';
  return std::make_shared<const std::string>(std::move(text));
}

}  // namespace

local_client::local_client(socket s, const ipc_config& c, peer_credentials who, rights may,
                           line_handler on_line, close_handler on_close)
    : socket_(std::move(s)),
      config_(c),
      who_(who),
      may_(may),
      on_line_(std::move(on_line)),
      on_close_(std::move(on_close)) {}

void local_client::start() {
  read();
}

void local_client::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  socket_.shutdown(socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (on_close_) on_close_(*this);
}

// Waits until the socket is readable, then reads into one buffer shared by every client:
// all reads happen on the one thread, one at a time, so an idle client costs no buffer.
void local_client::read() {
  socket_.async_wait(socket::wait_read, [self = shared_from_this()](const asio::error_code& ec) {
    if (self->closed_) return;
    if (ec) return self->close();
    self->drain();
  });
}

void local_client::drain() {
  static std::array<char, 64 * 1024> shared_chunk;
  while (!closed_) {
    asio::error_code ec;
    const auto n = socket_.read_some(asio::buffer(shared_chunk), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return read();
    if (ec) return close();
    consume(std::string_view(shared_chunk.data(), n));
    if (n < shared_chunk.size()) return read();  // the socket is empty for now
  }
}

void local_client::consume(std::string_view data) {
  while (!data.empty() && !closed_) {
    const auto newline = data.find('\n');
    const auto piece = data.substr(0, newline);
    if (!discarding_) partial_.append(piece);
    if (partial_.size() > config_.max_line) {
      send_response(nullptr, proto::rpc_error{proto::error_code::invalid_request,
                                              "request line longer than " +
                                                  std::to_string(config_.max_line) + " bytes",
                                              {}});
      partial_.clear();
      discarding_ = true;
    }
    if (newline == std::string_view::npos) return;
    data.remove_prefix(newline + 1);
    if (discarding_) {
      discarding_ = false;
      continue;
    }
    std::string line = std::move(partial_);
    partial_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) on_line_(*this, line);
  }
}

void local_client::send_response(const boost::json::value& id,
                                 proto::rpc_result<boost::json::value> outcome) {
  send_line(as_line(outcome ? proto::serialize_result(id, std::move(*outcome))
                            : proto::serialize_error(id, outcome.error())));
}

void local_client::send_line(std::shared_ptr<const std::string> line) {
  if (closed_) return;
  push(std::move(line));
  if (queued_bytes_ > config_.client_queue_hard) {
    spdlog::warn("client pid {} (uid {}) does not read its answers: disconnected", who_.pid,
                 who_.uid);
    return close();
  }
  flush();
}

void local_client::deliver(const event_ptr& e) {
  if (closed_ || !wants(*e)) return;
  const auto size = e->line->size();
  if (lagging_ || (queued_bytes_ + size > config_.client_queue && !queue_.empty())) {
    if (!lagging_) spdlog::info("client pid {} is lagging: dropping its events", who_.pid);
    lagging_ = true;
    ++dropped_;
    dropped_bytes_ += size;
    if (queued_bytes_ + dropped_bytes_ > config_.client_queue_hard) {
      spdlog::warn("client pid {} (uid {}) stopped reading: disconnected after {} dropped events",
                   who_.pid, who_.uid, dropped_);
      close();
    }
    return;
  }
  push(e->line);
  flush();
}

bool local_client::wants(const event_record& e) const {
  if (!subscription_) return false;
  if (!subscription_->types.empty() && !subscription_->types.count(e.type)) return false;
  if (!subscription_->peers.empty() && !e.peer.empty() && !subscription_->peers.count(e.peer)) {
    return false;
  }
  return true;
}

void local_client::push(std::shared_ptr<const std::string> line) {
  queued_bytes_ += line->size();
  queue_.push_back(std::move(line));
}

void local_client::flush() {
  if (writing_ || queue_.empty() || closed_) return;
  std::vector<asio::const_buffer> buffers;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < queue_.size() && i < max_buffers_per_write; ++i) {
    buffers.emplace_back(asio::buffer(*queue_[i]));
    bytes += queue_[i]->size();
  }
  writing_ = true;
  asio::async_write(socket_, buffers,
                    [self = shared_from_this(), count = buffers.size(), bytes](
                        const asio::error_code& ec, std::size_t) {
                      if (self->closed_) return;
                      if (ec) return self->close();
                      self->written(count, bytes);
                    });
}

void local_client::written(std::size_t buffers, std::size_t bytes) {
  writing_ = false;
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(buffers));
  queued_bytes_ -= bytes;
  if (lagging_ && queued_bytes_ <= config_.client_queue / 2) {
    push(event_log::notice("lagged", {{"dropped", dropped_}}));
    lagging_ = false;
    dropped_ = 0;
    dropped_bytes_ = 0;
  }
  flush();
}

}  // namespace wssd
