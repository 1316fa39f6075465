#include "daemon/service/outbox.hpp"

#include "daemon/config/duration.hpp"
#include "daemon/session/request_tracker.hpp"
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

outbox::outbox(asio::io_context& io, session& s, outbox_config c, command_spool* spool,
               expired_sink on_expired)
    : io_(io),
      session_(s),
      config_(c),
      spool_(spool),
      on_expired_(std::move(on_expired)),
      expiry_timer_(io) {}

void outbox::submit(proto::command c, reply done, std::optional<seconds> ttl, std::string msg_id) {
  const auto bytes = c.body.size();
  if (stopping_) return post_reply(io_, std::move(done), stopping_error());
  if (entries_.size() >= config_.max_messages || bytes_ + bytes > config_.max_bytes) {
    return post_reply(io_, std::move(done),
                      make_error(proto::wssd_error::queue_full,
                                 "the outbox is full (" + std::to_string(entries_.size()) +
                                     " commands waiting for the server); try again later"));
  }
  const auto lifetime = ttl.value_or(config_.ttl);
  entries_.push_back({std::move(c), std::move(done), clock::now() + to_duration(lifetime), lifetime,
                      bytes, std::move(msg_id)});
  bytes_ += bytes;
  const auto it = std::prev(entries_.end());
  if (spool_) {
    // Spooled before it is sent: what the server may have, a restarted wssd has too.
    it->spool_id = spool_->add(it->command, wall_clock::now(), lifetime, it->msg_id);
    it->spooled = false;
    if (!awaiting_commit_) {
      awaiting_commit_ = true;
      spool_->after_commit([this](std::optional<proto::failure> failed) { committed(failed); });
    }
  }
  if (session_.online()) {
    flush();
  } else if (!expiry_armed_ || it->deadline < *expiry_armed_) {
    arm_expiry();  // a shorter TTL behind a longer one expires on time
  }
}

// The turn's transaction is on disk (or could not be written): what it held may go out, or
// is refused; nothing already accepted is touched.
void outbox::committed(const std::optional<proto::failure>& failed) {
  awaiting_commit_ = false;
  for (auto it = entries_.begin(); it != entries_.end();) {
    const auto next = std::next(it);
    if (!it->spooled) {
      if (failed) {
        finish(it, make_error(proto::wssd_error::not_spooled,
                              "not accepted: the spool cannot be written (" + failed->what + ")"));
      } else {
        it->spooled = true;
      }
    }
    it = next;
  }
  if (session_.online()) flush();
}

void outbox::restore(std::vector<command_spool::row> rows,
                     const std::function<reply(const command_spool::row&)>& done_for) {
  const auto now = wall_clock::now();
  for (auto& row : rows) {
    const auto left = std::chrono::duration_cast<clock::duration>(
        row.accepted + std::chrono::duration_cast<wall_clock::duration>(row.ttl) - now);
    const auto bytes = row.command.body.size();
    entries_.push_back(
        {row.command, done_for(row), clock::now() + left, row.ttl, bytes, row.msg_id, row.id});
    entries_.back().sent = row.sent;
    bytes_ += bytes;
  }
  expire();  // those past their TTL already end now, and are announced
}

void outbox::on_state(session_state s) {
  if (s == session_state::online && !stopping_) flush();
}

proto::rpc_error outbox::stopping_error() const {
  if (!spool_) return make_error(proto::wssd_error::stopping, "wssd is stopping");
  return {proto::wssd_error::stopping,
          "wssd is stopping; the command stays in the spool and goes out when wssd runs again",
          boost::json::object{{"spooled", true}}};
}

// Waiting commands are answered now; those in flight end when the session fails them. With a
// spool they all stay in it.
void outbox::stop() {
  stopping_ = true;
  expiry_timer_.cancel();
  for (auto it = entries_.begin(); it != entries_.end();) {
    const auto next = std::next(it);
    if (!it->in_flight) finish(it, stopping_error());
    it = next;
  }
}

// In order, as many as the window takes; a command not yet in the spool holds back those after
// it, so that they reach the server in the order they were accepted.
void outbox::flush() {
  for (auto it = entries_.begin(); it != entries_.end() && session_.online(); ++it) {
    if (it->in_flight) continue;
    if (!it->spooled) return;
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
  if (spool_) spool_->sent(it->spool_id, it->sent);
  session_.submit(it->command, [this, it](proto::rpc_result<boost::json::value> outcome) {
    answered(it, std::move(outcome));
  });
}

void outbox::answered(iterator it, proto::rpc_result<boost::json::value> outcome) {
  it->in_flight = false;
  --in_flight_;
  in_flight_bytes_ -= it->bytes;
  if (stopping_) return finish(it, spool_ ? stopping_error() : std::move(outcome));
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

// A spooled command leaves the spool here, unless wssd is stopping: then the next daemon sends
// it (an in-flight one again: at least once).
void outbox::finish(iterator it, proto::rpc_result<boost::json::value> outcome) {
  if (spool_ && it->spool_id != 0 && !stopping_) spool_->remove(it->spool_id);
  if (!outcome && outcome.error().code != proto::wssd_error::expired) ++failed_;
  auto done = std::move(it->done);
  bytes_ -= it->bytes;
  entries_.erase(it);
  done(std::move(outcome));
}

// Entries are in the order they were accepted; each was accepted its TTL before its deadline.
clock::duration outbox::oldest_age() const {
  if (entries_.empty()) return clock::duration::zero();
  const auto& e = entries_.front();
  return std::max(clock::duration::zero(), clock::now() - (e.deadline - to_duration(e.ttl)));
}

void outbox::arm_expiry() {
  std::optional<clock::time_point> first;
  for (const auto& e : entries_) {
    if (!e.in_flight && (!first || e.deadline < *first)) first = e.deadline;
  }
  expiry_armed_ = first;
  if (!first) {
    expiry_timer_.cancel();
    return;
  }
  expiry_timer_.expires_at(*first);
  expiry_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    expiry_armed_.reset();
    expire();
  });
}

void outbox::expire() {
  const auto now = clock::now();
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);
    if (!it->in_flight && it->deadline <= now) {
      ++expired_;
      const auto ttl = format_seconds(it->ttl);
      const auto why = it->sent == 0
                           ? "not sent: the server was unreachable for the whole TTL of " + ttl
                           : "sent " + times(it->sent) +
                                 ", never answered: the link was lost each time, and the TTL of " +
                                 ttl + " passed (it may have been delivered)";
      if (on_expired_) on_expired_(it->command, it->msg_id, it->sent, why);
      finish(it, make_error(proto::wssd_error::expired, why));
    }
    it = next;
  }
  arm_expiry();
}

}  // namespace wssd
