// What survives a daemon restart, kept in the state directory: the last private id. One wssd
// per directory: it is locked for as long as the daemon runs, so two daemons never claim the
// same identity.
#pragma once

#include <optional>
#include <string>
#include <system_error>

#include "daemon/common/unique_fd.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class state_store {
 public:
  explicit state_store(std::string directory) : directory_(std::move(directory)) {}

  // Creates the directory (0700) if needed, checks that it is writable and locks it; says why
  // not (not writable, or another wssd holds it).
  std::optional<proto::failure> open();
  std::optional<std::string> load_private_id() const;
  // Atomic: a crash leaves the old id or the new one, never a torn file.
  std::error_code save_private_id(const std::string& private_id) const;
  const std::string& directory() const { return directory_; }

 private:
  std::error_code write_atomically(const std::string& name, const std::string& content) const;

  std::string directory_;
  unique_fd lock_;
};

}  // namespace wssd
