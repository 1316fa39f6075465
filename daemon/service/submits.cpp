#include "daemon/service/submits.hpp"

#include <boost/json/serialize.hpp>

#include "daemon/session/request_tracker.hpp"
#include "proto/wssd_errors.hpp"

namespace wssd {

namespace json = boost::json;

namespace {

std::string to_text(const proto::rpc_result<json::value>& outcome) {
  return json::serialize(outcome ? json::object{{"result", *outcome}}
                                 : json::object{{"error", proto::to_json(outcome.error())}});
}

std::optional<proto::rpc_result<json::value>> from_text(const std::string& text) {
  auto o = proto::parse_object(text);
  if (!o) return std::nullopt;
  if (const auto* r = o->if_contains("result")) return proto::rpc_result<json::value>(*r);
  if (const auto* e = o->if_contains("error")) {
    if (auto error = proto::error_from_json(*e)) return proto::rpc_result<json::value>(*error);
  }
  return std::nullopt;
}

// Refused before it was taken (or kept for the next daemon): a retry may try again. Any other
// outcome says what became of the message, and a retry must not send it twice.
bool not_taken(const proto::rpc_result<json::value>& outcome) {
  namespace own = proto::wssd_error;
  if (outcome) return false;
  const auto code = outcome.error().code;
  return code == own::queue_full || code == own::not_spooled || code == own::stopping ||
         code == proto::error_code::invalid_params;
}

}  // namespace

submit_registry::submit_registry(asio::io_context& io, submit_store* store)
    : io_(io), store_(store), timer_(io) {
  if (store_) {
    for (const auto& s : store_->load_submits()) {
      if (auto outcome = from_text(s.outcome)) entries_[s.msg_id] = {std::move(*outcome), {}, s.at};
    }
  }
  forget_old();
}

std::optional<submit_registry::reply> submit_registry::begin(const std::string& msg_id,
                                                             reply done) {
  if (const auto it = entries_.find(msg_id); it != entries_.end()) {
    if (it->second.outcome) {
      post_reply(io_, std::move(done), *it->second.outcome);
    } else {
      it->second.waiting.push_back(std::move(done));
    }
    return std::nullopt;
  }
  if (entries_.size() >= max_remembered) forget_old();
  entries_[msg_id] = {std::nullopt, {}, wall_clock::now()};
  return reply([this, msg_id, done = std::move(done)](proto::rpc_result<json::value> outcome) {
    finished(msg_id, outcome);
    done(std::move(outcome));
  });
}

void submit_registry::finished(const std::string& msg_id,
                               const proto::rpc_result<json::value>& outcome) {
  const auto it = entries_.find(msg_id);
  if (it == entries_.end()) return;
  if (not_taken(outcome)) {
    auto waiting = std::move(it->second.waiting);
    entries_.erase(it);
    for (auto& w : waiting) w(outcome);
    return;
  }
  it->second.outcome = outcome;
  it->second.at = wall_clock::now();
  if (store_) store_->remember({msg_id, to_text(outcome), it->second.at});
  for (auto& waiting : std::exchange(it->second.waiting, {})) waiting(outcome);
}

void submit_registry::forget_old() {
  const auto oldest = wall_clock::now() - window;
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.outcome && it->second.at < oldest ? entries_.erase(it) : std::next(it);
  }
  if (store_) store_->forget_before(oldest);
  timer_.expires_after(std::chrono::minutes(1));
  timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) forget_old();
  });
}

}  // namespace wssd
