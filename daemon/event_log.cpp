#include "daemon/event_log.hpp"

#include "proto/identity.hpp"

namespace wssd {

namespace {

// What a record costs the ring beyond its line: the bound is on memory, not on text.
std::size_t footprint(const event_record& r) {
  return sizeof(event_record) + r.line.size() + r.peer.size();
}

}  // namespace

event_log::event_log(ring_limits limits)
    : limits_(limits), instance_(proto::random_token().substr(0, 16)) {}

event_ptr event_log::append(proto::event e) {
  auto record = std::make_shared<event_record>();
  record->seq = next_seq_++;
  record->type = proto::type_bit(e);
  record->peer = std::string(proto::peer_of(e));
  record->line = proto::encode_event_line(record->seq, e);
  record->offset = next_offset_;
  next_offset_ += record->line.size();
  bytes_ += footprint(*record);
  event_ptr shared = std::move(record);
  ring_.push_back(shared);
  std::vector<event_ptr> evicted;
  evict(evicted);

  // A listener may unlisten (or listen) while being told: iterate over a snapshot of keys.
  std::vector<std::uint64_t> tokens;
  tokens.reserve(listeners_.size());
  for (const auto& entry : listeners_) tokens.push_back(entry.first);
  const appended told{shared, e, evicted};
  for (auto token : tokens) {
    if (auto it = listeners_.find(token); it != listeners_.end()) it->second(told);
  }
  return shared;
}

// The newest event always stays, however large: subscribers that are behind can still read it.
void event_log::evict(std::vector<event_ptr>& evicted) {
  while (ring_.size() > 1 && (ring_.size() > limits_.events || bytes_ > limits_.bytes)) {
    bytes_ -= footprint(*ring_.front());
    evicted.push_back(std::move(ring_.front()));
    ring_.pop_front();
  }
}

void event_log::set_limits(ring_limits limits) {
  limits_ = limits;
  std::vector<event_ptr> evicted;
  evict(evicted);  // nobody is told: subscribers find the gap when they read on
}

event_ptr event_log::at(std::uint64_t seq) const {
  const auto first = first_seq();
  if (seq < first || seq > last_seq()) return nullptr;
  return ring_[seq - first];
}

std::uint64_t event_log::bytes_from(std::uint64_t seq) const {
  const auto record = at(seq);
  return record ? next_offset_ - record->offset : 0;
}

event_log::resume_point event_log::resume(std::uint64_t since, const std::string& instance) const {
  if ((!instance.empty() && instance != instance_) || since > last_seq()) {
    return {first_seq(), "daemon restarted"};  // another daemon instance's numbering
  }
  if (since + 1 < first_seq()) return {first_seq(), "ring overflow"};
  return {since + 1, std::nullopt};
}

std::uint64_t event_log::listen(listener l) {
  listeners_.emplace(next_listener_, std::move(l));
  return next_listener_++;
}

}  // namespace wssd
