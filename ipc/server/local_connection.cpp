#include "ipc/server/local_connection.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <asio/post.hpp>
#include <asio/write.hpp>
#include <vector>

namespace wssd {

namespace {

constexpr std::size_t max_buffers_per_write = 64;
// Reads of one client in one turn of the loop; a client with more to say then waits behind the
// others.
constexpr int reads_per_turn = 16;
// Events read from the journal at once for a client that is behind the ring.
constexpr std::size_t journal_batch = 256;

std::shared_ptr<const std::string> as_line(std::string text) {
  text += '\n';
  return std::make_shared<const std::string>(std::move(text));
}

}  // namespace

local_connection::local_connection(socket s, const ipc_config& c, const event_log& log,
                                   client_counters& counters, peer_credentials who, rights may,
                                   line_handler on_line, close_handler on_close)
    : socket_(std::move(s)),
      config_(c),
      log_(log),
      counters_(counters),
      who_(who),
      may_(may),
      on_line_(std::move(on_line)),
      on_close_(std::move(on_close)) {}

void local_connection::start() {
  asio::error_code ec;
  socket_.non_blocking(true, ec);
  if (ec) {
    spdlog::warn("client pid {}: cannot make its socket non-blocking: {}", who_.pid, ec.message());
    return close();
  }
  read();
}

void local_connection::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  socket_.shutdown(socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (on_close_) on_close_(*this);
}

void local_connection::finish() {
  reading_done_ = true;
  subscription_.reset();
  close_when_done();
}

// Waits until the socket is readable, then reads into one buffer shared by every client:
// all reads happen on the one thread, one at a time, so an idle client costs no buffer. Once
// the client has said all it will (EOF), the wait is for it to hang up altogether.
void local_connection::read() {
  const bool hang_up_only = reading_done_;
  socket_.async_wait(hang_up_only ? socket::wait_error : socket::wait_read,
                     [self = shared_from_this(), hang_up_only](const asio::error_code& ec) {
                       if (self->closed_) return;
                       if (ec || hang_up_only) return self->close();
                       if (self->reading_done_) return self->read();  // finish() came meanwhile
                       self->drain();
                     });
}

void local_connection::drain() {
  static std::array<char, 64 * 1024> shared_chunk;
  for (int turn = 0; turn < reads_per_turn; ++turn) {
    asio::error_code ec;
    const auto n = socket_.read_some(asio::buffer(shared_chunk), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return read();
    if (ec == asio::error::eof) {
      // A last line without its '\n' still counts, as `printf '%s' … | nc` sends it.
      if (!partial_.empty() && !discarding_) consume("\n");
      reading_done_ = true;
      if (closed_) return;
      read();
      return close_when_done();
    }
    if (ec) return close();
    consume(std::string_view(shared_chunk.data(), n));
    if (closed_ || reading_done_) return;
    if (n < shared_chunk.size()) return read();  // the socket is empty for now
  }
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (!self->closed_ && !self->reading_done_) self->drain();
  });
}

void local_connection::consume(std::string_view data) {
  while (!data.empty() && !closed_ && !reading_done_) {
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

void local_connection::answer(const boost::json::value& id,
                              proto::rpc_result<boost::json::value> outcome) {
  if (unanswered_ > 0) --unanswered_;
  send_response(id, std::move(outcome));  // closing, if it is done, waits for the write
}

void local_connection::send_response(const boost::json::value& id,
                                     proto::rpc_result<boost::json::value> outcome) {
  if (closed_) return;
  push(as_line(outcome ? proto::serialize_result(id, std::move(*outcome))
                       : proto::serialize_error(id, outcome.error())));
  if (queued_bytes_ > config_.client_queue_hard) {
    spdlog::warn("client pid {} (uid {}) does not read its answers: disconnected", who_.pid,
                 who_.uid);
    ++counters_.disconnected_unread;
    return close();
  }
  flush();
}

void local_connection::subscribe(subscription s, std::uint64_t next_seq,
                                 std::optional<std::string> lost) {
  subscription_ = std::move(s);
  cursor_ = next_seq;
  dropped_ = 0;
  dropped_bytes_ = 0;
  if (lost) push(std::make_shared<const std::string>(std::move(*lost)));
  pump();
}

void local_connection::unsubscribe() {
  subscription_.reset();  // its answer follows: closing, if it is done, waits for that write
}

// Events the ring let go before this client read them are lost to it; it hears how many.
void local_connection::on_appended(const event_log::appended& a) {
  if (!subscription_ || closed_) return;
  const bool was_lagging = dropped_bytes_ > 0;
  for (const auto& gone : a.evicted) {
    if (gone->seq < cursor_) continue;
    if (wants(*gone)) {
      ++dropped_;
      dropped_bytes_ += gone->bytes;
    }
    cursor_ = gone->seq + 1;
  }
  if (!was_lagging && dropped_bytes_ > 0) {
    spdlog::info("client pid {} is lagging: it lost events the ring no longer holds", who_.pid);
  }
  if (dropped_bytes_ > config_.client_queue_hard) {
    spdlog::warn(
        "client pid {} (uid {}) stopped reading: disconnected after losing {} bytes of "
        "events",
        who_.pid, who_.uid, dropped_bytes_);
    ++counters_.disconnected_behind;
    return close();
  }
  pump();
}

bool local_connection::wants(const event_record& e) const {
  if (!subscription_ || !(subscription_->types & e.type)) return false;
  const auto& peers = subscription_->peers;
  return peers.empty() || e.peer.empty() || peers.count(e.peer) != 0;
}

void local_connection::push(std::shared_ptr<const std::string> line, std::uint64_t seq) {
  queued_bytes_ += line->size();
  queue_.push_back({std::move(line), seq});
}

const std::string& local_connection::consumer() const {
  static const std::string none;
  return subscription_ ? subscription_->consumer : none;
}

// Hands the socket what it may take from the log: at most ipc.client_queue bytes ahead of the
// client's reading, one event at least.
void local_connection::pump() {
  while (subscription_ && !closed_ && queued_bytes_ < config_.client_queue &&
         cursor_ <= log_.last_seq()) {
    if (cursor_ < log_.first_seq()) {  // let go unannounced (a smaller ring, the journal's age)
      dropped_ += log_.first_seq() - cursor_;
      cursor_ = log_.first_seq();
      continue;
    }
    if (auto record = log_.at(cursor_)) {
      take(record);
      continue;
    }
    // Older than the ring: from the journal, a batch at a time.
    const auto batch = log_.read(cursor_, journal_batch);
    if (batch.empty()) break;
    for (const auto& record : batch) {
      if (queued_bytes_ >= config_.client_queue) break;
      take(record);
    }
  }
  if (subscription_ && cursor_ > log_.last_seq()) {  // caught up
    if (dropped_ > 0) push_lagged();
    dropped_bytes_ = 0;
  }
  flush();
}

void local_connection::take(const event_ptr& record) {
  cursor_ = record->seq + 1;
  if (!wants(*record)) return;
  if (dropped_ > 0) push_lagged();
  push(std::shared_ptr<const std::string>(record, &record->line), record->seq);
}

void local_connection::push_lagged() {
  ++counters_.lagged;
  counters_.events_dropped += dropped_;
  push(std::make_shared<const std::string>(proto::encode_lagged_line(std::exchange(dropped_, 0))));
}

// Writes once the loop has run what is ready now: the events and answers of one turn go out
// in one writev, not the first alone and the rest after it (docs/benchmarks.md, fan-out). A
// queue past ipc.client_queue goes out at once: the socket takes what it can before one turn's
// answers could reach the hard limit.
void local_connection::flush() {
  if (writing_ || queue_.empty() || closed_) return;
  if (queued_bytes_ >= config_.client_queue) return write_queued();
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->write_queued();
  });
}

void local_connection::write_queued() {
  if (writing_ || queue_.empty() || closed_) return;
  std::vector<asio::const_buffer> buffers;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < queue_.size() && i < max_buffers_per_write; ++i) {
    buffers.emplace_back(asio::buffer(*queue_[i].line));
    bytes += queue_[i].line->size();
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

void local_connection::written(std::size_t buffers, std::size_t bytes) {
  writing_ = false;
  std::uint64_t last_event = 0;
  for (std::size_t i = 0; i < buffers; ++i) last_event = std::max(last_event, queue_[i].seq);
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(buffers));
  if (last_event && subscription_ && subscription_->written) subscription_->written(last_event);
  queued_bytes_ -= bytes;
  pump();
  close_when_done();
}

// A client that said all it will goes once it has every answer (a subscriber stays on).
void local_connection::close_when_done() {
  if (closed_ || !reading_done_ || unanswered_ > 0 || writing_ || !queue_.empty() ||
      subscription_) {
    return;
  }
  close();
}

}  // namespace wssd
