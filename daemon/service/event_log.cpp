#include "daemon/service/event_log.hpp"

#include "proto/identity.hpp"

namespace wssd {

namespace {

// What a record costs the ring beyond its line: the bound is on memory, not on text.
std::size_t footprint(const event_record& r) {
  return sizeof(event_record) + r.line.size() + r.peer.size();
}

}  // namespace

event_log::event_log(ring_limits limits, event_journal* journal)
    : limits_(limits),
      journal_(journal),
      instance_(journal ? journal->instance() : proto::random_token().substr(0, 16)) {
  if (!journal_) return;
  next_seq_ = journal_->last_seq() + 1;
  // The ring starts with the newest journalled events, as it would hold them had wssd not
  // stopped.
  const auto first = journal_->first_seq();
  const auto from = next_seq_ - first > limits_.events ? next_seq_ - limits_.events : first;
  for (auto& r : journal_->read(from, limits_.events)) {
    bytes_ += footprint(*r);
    ring_.push_back(std::move(r));
  }
  std::vector<event_ptr> ignored;
  evict(ignored);
}

event_ptr event_log::append(proto::event e) {
  auto record = std::make_shared<event_record>();
  record->seq = next_seq_++;
  record->type = proto::type_bit(e);
  record->peer = std::string(proto::peer_of(e));
  record->line = proto::encode_event_line(record->seq, e);
  record->bytes = record->line.size();
  bytes_ += footprint(*record);
  event_ptr shared = std::move(record);
  ring_.push_back(shared);
  std::vector<event_ptr> evicted;
  if (journal_) {
    evicted = journal_->append(*shared, wall_clock::now());
    std::vector<event_ptr> still_in_the_journal;
    evict(still_in_the_journal);
  } else {
    evict(evicted);
  }

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

std::uint64_t event_log::first_seq() const {
  if (journal_) return journal_->first_seq();
  return ring_.empty() ? next_seq_ : ring_.front()->seq;
}

event_ptr event_log::at(std::uint64_t seq) const {
  if (ring_.empty() || seq < ring_.front()->seq || seq > last_seq()) return nullptr;
  return ring_[seq - ring_.front()->seq];
}

std::vector<event_ptr> event_log::read(std::uint64_t seq, std::size_t max_events) const {
  std::vector<event_ptr> out;
  seq = std::max(seq, first_seq());
  if (journal_ && (ring_.empty() || seq < ring_.front()->seq)) {
    out = journal_->read(seq, max_events);
    if (!out.empty()) return out;
  }
  for (auto record = at(seq); record && out.size() < max_events; record = at(record->seq + 1)) {
    out.push_back(record);
  }
  return out;
}

event_log::resume_point event_log::resume(std::uint64_t since, const std::string& instance) const {
  if ((!instance.empty() && instance != instance_) || since > last_seq()) {
    return {first_seq(), "daemon restarted"};  // another numbering
  }
  if (since + 1 < first_seq()) return {first_seq(), "ring overflow"};
  return {since + 1, std::nullopt};
}

std::uint64_t event_log::listen(listener l) {
  listeners_.emplace(next_listener_, std::move(l));
  return next_listener_++;
}

}  // namespace wssd
