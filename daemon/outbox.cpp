#include "daemon/outbox.hpp"

#include <asio/post.hpp>

#include "proto/wssd_errors.hpp"

namespace wssd {

using clock = std::chrono::steady_clock;

namespace {

proto::rpc_error make_error(std::int64_t code, std::string message) {
  return proto::rpc_error{code, std::move(message), {}};
}

// The link dropped before the answer: the command may be sent again.
bool is_link_loss(const proto::rpc_result<boost::json::value>& outcome) {
  if (outcome) return false;
  const auto code = outcome.error().code;
  return code == proto::wssd_error::connection_lost || code == proto::wssd_error::timeout ||
         code == proto::wssd_error::offline;
}

}  // namespace

outbox::outbox(asio::io_context& io, session& s, outbox_config c)
    : io_(io), session_(s), config_(c), expiry_timer_(io) {}

void outbox::submit(std::size_t bytes, issue_fn issue_command, reply done,
                    std::optional<seconds> ttl) {
  if (stopping_) {
    asio::post(io_, [done = std::move(done)] {
      done(make_error(proto::wssd_error::stopping, "wssd is stopping"));
    });
    return;
  }
  if (entries_.size() >= config_.max_messages || bytes_ + bytes > config_.max_bytes) {
    auto error = make_error(proto::wssd_error::queue_full,
                            "the outbox is full (" + std::to_string(entries_.size()) +
                                " commands waiting for the server); try again later");
    asio::post(io_, [done = std::move(done), error] { done(error); });
    return;
  }
  const auto lifetime = ttl.value_or(config_.ttl);
  entries_.push_back({std::move(issue_command), std::move(done),
                      clock::now() + std::chrono::duration_cast<clock::duration>(lifetime),
                      lifetime, bytes});
  bytes_ += bytes;
  if (session_.online()) {
    issue(std::prev(entries_.end()));
  } else if (entries_.size() == 1) {
    arm_expiry();
  }
}

void outbox::on_state(session_state s) {
  if (s == session_state::online && !stopping_) flush();
}

// Waiting commands fail now; those in flight keep their callbacks into this list and end when
// the session answers or fails them.
void outbox::stop() {
  stopping_ = true;
  expiry_timer_.cancel();
  for (auto it = entries_.begin(); it != entries_.end();) {
    const auto next = std::next(it);
    if (!it->in_flight) finish(it, make_error(proto::wssd_error::stopping, "wssd is stopping"));
    it = next;
  }
}

void outbox::flush() {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (!it->in_flight) issue(it);
  }
}

void outbox::issue(iterator it) {
  it->in_flight = true;
  it->issue(session_, [this, it](proto::rpc_result<boost::json::value> outcome) {
    answered(it, std::move(outcome));
  });
}

void outbox::answered(iterator it, proto::rpc_result<boost::json::value> outcome) {
  if (stopping_ || !is_link_loss(outcome)) return finish(it, std::move(outcome));
  it->in_flight = false;  // sent again once the session is back
  if (it->deadline <= clock::now()) return expire();
  if (session_.online()) return issue(it);
  arm_expiry();
}

void outbox::finish(iterator it, proto::rpc_result<boost::json::value> outcome) {
  auto done = std::move(it->done);
  bytes_ -= it->bytes;
  entries_.erase(it);
  done(std::move(outcome));
}

void outbox::arm_expiry() {
  std::optional<clock::time_point> first;
  for (const auto& e : entries_) {
    if (!e.in_flight && (!first || e.deadline < *first)) first = e.deadline;
  }
  if (!first) return;
  expiry_timer_.expires_at(*first);
  expiry_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) expire();
  });
}

void outbox::expire() {
  const auto now = clock::now();
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);
    if (!it->in_flight && it->deadline <= now) {
      ++expired_;
      finish(it, make_error(proto::wssd_error::expired,
                            "not sent: the server was unreachable for the whole TTL of " +
                                std::to_string(static_cast<long>(it->ttl.count())) + " s"));
    }
    it = next;
  }
  arm_expiry();
}

}  // namespace wssd
