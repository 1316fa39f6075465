// The background thread of the test tools that run their own io_context.
#pragma once

#include <asio/io_context.hpp>
#include <cstdio>
#include <exception>

namespace wssd::test {

// Runs `io` until it runs out of work. A handler's exception is reported on stderr under
// `who` and the loop goes on: the test thread waits on this one, so it must not die.
inline void run_io_reporting(asio::io_context& io, const char* who) {
  while (true) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", who, e.what());
    } catch (...) {
      std::fprintf(stderr, "%s: unknown exception\n", who);
    }
  }
}

}  // namespace wssd::test
