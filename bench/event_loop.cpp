#include "bench/event_loop.hpp"

#include <algorithm>
#include <stdexcept>

namespace wssd::bench {

namespace {

// The longest a single wait lasts, so that a condition a handler made true is seen soon.
constexpr auto slice = std::chrono::milliseconds(100);

}  // namespace

bool event_loop::run_until(const std::function<bool()>& done, clock::duration limit) {
  const auto deadline = clock::now() + limit;
  while (!done()) {
    throw_if_failed();
    const auto now = clock::now();
    if (now >= deadline) return false;
    io_.run_one_for(std::min<clock::duration>(deadline - now, slice));
  }
  throw_if_failed();
  return true;
}

void event_loop::run_for(clock::duration d) {
  const auto deadline = clock::now() + d;
  run_until([&] { return clock::now() >= deadline; }, d + slice);
}

void event_loop::fail(std::string what) {
  if (!failure_) failure_ = std::move(what);
}

void event_loop::throw_if_failed() {
  if (failure_) throw std::runtime_error(*failure_);
}

double micros(clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

double millis(clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double seconds(clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace wssd::bench
