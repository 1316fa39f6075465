#include "daemon/request_tracker.hpp"

#include <spdlog/spdlog.h>

#include <asio/post.hpp>
#include <vector>

#include "daemon/duration.hpp"
#include "proto/wssd_errors.hpp"

namespace wssd {

namespace json = boost::json;
using clock = std::chrono::steady_clock;

void post_reply(asio::io_context& io, request_tracker::reply done,
                proto::rpc_result<json::value> outcome) {
  asio::post(io, [done = std::move(done), outcome = std::move(outcome)]() mutable {
    done(std::move(outcome));
  });
}

request_tracker::request_tracker(asio::io_context& io) : io_(io), timer_(io) {}

void request_tracker::add(std::uint64_t id, reply done, seconds timeout) {
  const auto deadline = clock::now() + to_duration(timeout);
  pending_.emplace(id, pending{std::move(done), deadline, timeout});
  if (pending_.size() == 1 || deadline < armed_for_) arm_timer();
}

bool request_tracker::answer(const json::value& id, proto::rpc_result<json::value> outcome) {
  std::uint64_t value = 0;  // ours are positive integers; anything else is not ours
  if (id.is_int64() && id.get_int64() > 0) value = static_cast<std::uint64_t>(id.get_int64());
  if (id.is_uint64()) value = id.get_uint64();
  const auto it = pending_.find(value);
  if (value == 0 || it == pending_.end()) return false;
  auto done = std::move(it->second.done);
  pending_.erase(it);
  done(std::move(outcome));
  return true;
}

void request_tracker::fail_all(std::int64_t code, const std::string& message) {
  auto failed = std::move(pending_);
  pending_.clear();
  timer_.cancel();
  for (auto& [id, p] : failed) {
    post_reply(io_, std::move(p.done), proto::rpc_error{code, message, {}});
  }
}

void request_tracker::arm_timer() {
  if (pending_.empty()) return;
  auto first = pending_.begin()->second.deadline;
  for (const auto& [id, p] : pending_) first = std::min(first, p.deadline);
  armed_for_ = first;
  timer_.expires_at(first);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) expire();
  });
}

void request_tracker::expire() {
  const auto now = clock::now();
  std::vector<pending> overdue;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline <= now) {
      overdue.push_back(std::move(it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  arm_timer();
  for (auto& p : overdue) {
    spdlog::warn("the server did not answer a request within {}", format_seconds(p.timeout));
    p.done(proto::rpc_error{proto::wssd_error::timeout,
                            "the server did not answer within " + format_seconds(p.timeout),
                            {}});
  }
}

}  // namespace wssd
