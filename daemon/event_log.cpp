#include "daemon/event_log.hpp"

#include "proto/identity.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

namespace {

std::shared_ptr<const std::string> serialize_event(const boost::json::object& params) {
  auto line = proto::serialize_notification("event", params);
  line += '\n';
  return std::make_shared<const std::string>(std::move(line));
}

}  // namespace

event_log::event_log(std::size_t capacity)
    : capacity_(capacity), instance_(proto::random_token().substr(0, 16)) {}

event_ptr event_log::append(event e) {
  auto record = std::make_shared<event_record>();
  record->seq = next_seq_++;
  record->type = std::move(e.type);
  record->peer = std::move(e.peer);
  record->params = boost::json::object{{"seq", record->seq}, {"type", record->type}};
  for (auto& [key, value] : e.fields) record->params[key] = std::move(value);
  record->line = serialize_event(record->params);
  event_ptr shared = std::move(record);
  ring_.push_back(shared);
  if (ring_.size() > capacity_) ring_.pop_front();
  // A listener may unlisten (or listen) while being told: iterate over a snapshot of keys.
  std::vector<std::uint64_t> tokens;
  tokens.reserve(listeners_.size());
  for (const auto& entry : listeners_) tokens.push_back(entry.first);
  for (auto token : tokens) {
    if (auto it = listeners_.find(token); it != listeners_.end()) it->second(shared);
  }
  return shared;
}

event_log::replay event_log::since(std::uint64_t seq, const std::string& instance) const {
  replay r;
  const std::uint64_t first = ring_.empty() ? next_seq_ : ring_.front()->seq;
  if ((!instance.empty() && instance != instance_) || seq > last_seq()) {
    seq = 0;  // another daemon instance's numbering
    r.lost = true;
    r.why = "daemon restarted";
  } else if (seq + 1 < first) {
    r.lost = true;
    r.why = "ring overflow";
  }
  const std::uint64_t start = std::max(seq + 1, first);
  for (auto i = start - first; i < ring_.size(); ++i) r.events.push_back(ring_[i]);
  return r;
}

std::uint64_t event_log::listen(listener l) {
  listeners_.emplace(next_listener_, std::move(l));
  return next_listener_++;
}

std::shared_ptr<const std::string> event_log::notice(const std::string& type,
                                                     boost::json::object fields) {
  boost::json::object params{{"type", type}};
  for (auto& [key, value] : fields) params[key] = std::move(value);
  return serialize_event(std::move(params));
}

}  // namespace wssd
