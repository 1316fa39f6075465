#include "daemon/outbox.hpp"

#include "daemon/duration.hpp"
#include "daemon/request_tracker.hpp"
#include "proto/wssd_errors.hpp"

namespace wssd {

using clock = std::chrono::steady_clock;

namespace {

// On the wire at once: enough to keep the link busy, few enough that the transport's buffer
// stays small and an answer comes back soon.
constexpr std::size_t max_in_flight = 256;
constexpr std::size_t max_in_flight_bytes = 4 * 1024 * 1024;

proto::rpc_error make_error(std::int64_t code, std::string message) {
  return proto::rpc_error{code, std::move(message), {}};
}

// The link dropped (or was down) before the answer: the command may be sent again.
bool is_link_loss(const proto::rpc_result<boost::json::value>& outcome) {
  if (outcome) return false;
  const auto code = outcome.error().code;
  return code == proto::wssd_error::connection_lost || code == proto::wssd_error::offline;
}

std::string times(unsigned n) {
  return n == 1 ? "once" : std::to_string(n) + " times";
}

}  // namespace

outbox::outbox(asio::io_context& io, session& s, outbox_config c)
    : io_(io), session_(s), config_(c), expiry_timer_(io) {}

void outbox::submit(std::size_t bytes, issue_fn issue_command, reply done,
                    std::optional<seconds> ttl) {
  if (stopping_) {
    return post_reply(io_, std::move(done),
                      make_error(proto::wssd_error::stopping, "wssd is stopping"));
  }
  if (entries_.size() >= config_.max_messages || bytes_ + bytes > config_.max_bytes) {
    return post_reply(io_, std::move(done),
                      make_error(proto::wssd_error::queue_full,
                                 "the outbox is full (" + std::to_string(entries_.size()) +
                                     " commands waiting for the server); try again later"));
  }
  const auto lifetime = ttl.value_or(config_.ttl);
  entries_.push_back({std::move(issue_command), std::move(done),
                      clock::now() + to_duration(lifetime), lifetime, bytes});
  bytes_ += bytes;
  if (session_.online()) {
    flush();
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

// In order, as many as the window takes.
void outbox::flush() {
  for (auto it = entries_.begin(); it != entries_.end() && session_.online(); ++it) {
    if (it->in_flight) continue;
    if (in_flight_ >= max_in_flight ||
        (in_flight_ > 0 && in_flight_bytes_ + it->bytes > max_in_flight_bytes)) {
      return;
    }
    issue(it);
  }
}

void outbox::issue(iterator it) {
  it->in_flight = true;
  ++it->sent;
  ++in_flight_;
  in_flight_bytes_ += it->bytes;
  it->issue(session_, [this, it](proto::rpc_result<boost::json::value> outcome) {
    answered(it, std::move(outcome));
  });
}

void outbox::answered(iterator it, proto::rpc_result<boost::json::value> outcome) {
  it->in_flight = false;
  --in_flight_;
  in_flight_bytes_ -= it->bytes;
  if (stopping_) return finish(it, std::move(outcome));
  if (!outcome && outcome.error().code == proto::wssd_error::timeout) {
    // The link is alive (the keepalive says so) but this command was not answered: sending it
    // again would likely meet the same silence, and may duplicate it.
    finish(it, make_error(proto::wssd_error::timeout,
                          "sent " + times(it->sent) + ", never answered: " +
                              outcome.error().message + " (it may have been delivered)"));
  } else if (is_link_loss(outcome)) {
    if (it->deadline <= clock::now()) {
      expire();  // it is past its TTL: it ends now, with the others that are
    } else if (!session_.online()) {
      arm_expiry();
    }
  } else {
    finish(it, std::move(outcome));
  }
  flush();
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
      const auto ttl = format_seconds(it->ttl);
      finish(it, make_error(proto::wssd_error::expired,
                            it->sent == 0
                                ? "not sent: the server was unreachable for the whole TTL of " + ttl
                                : "sent " + times(it->sent) +
                                      ", never answered: the link was lost each time, and the TTL "
                                      "of " +
                                      ttl + " passed (it may have been delivered)"));
    }
    it = next;
  }
  arm_expiry();
}

}  // namespace wssd
