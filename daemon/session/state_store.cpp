#include "daemon/session/state_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "daemon/common/unique_fd.hpp"

namespace wssd {

namespace {

constexpr const char* private_id_file = "private_id";
constexpr const char* lock_file = "lock";
constexpr std::size_t max_private_id = 4096;

std::error_code last_error() {
  return {errno, std::generic_category()};
}

}  // namespace

std::optional<proto::failure> state_store::open() {
  const auto fail = [this](const std::string& what, int error) {
    return proto::failure{"state directory " + directory_ + ": " + what + ": " +
                          std::strerror(error)};
  };
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) return fail("cannot create it", ec.value());
  if (::chmod(directory_.c_str(), 0700) != 0 && errno != EPERM) return fail("cannot chmod", errno);
  // The lock file proves the directory writable: a private id that cannot be kept would
  // change on every restart.
  const auto path = directory_ + "/" + lock_file;
  lock_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock_) return fail("not writable", errno);
  if (::flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {};
    const auto n = ::pread(lock_.get(), holder, sizeof(holder) - 1, 0);
    std::string who = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    lock_.reset();
    if (error == EWOULDBLOCK) {
      return proto::failure{"state directory " + directory_ + " is in use by another wssd" +
                            (who.empty() ? "" : " (pid " + who + ")")};
    }
    return fail("cannot lock it", error);
  }
  const auto pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_.get(), 0) != 0 ||
      ::pwrite(lock_.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return fail("not writable", errno);
  }
  return std::nullopt;
}

std::optional<std::string> state_store::load_private_id() const {
  std::ifstream in(directory_ + "/" + private_id_file);
  std::string id;
  if (!in || !std::getline(in, id) || id.empty() || id.size() > max_private_id) return std::nullopt;
  return id;
}

std::error_code state_store::save_private_id(const std::string& private_id) const {
  return write_atomically(private_id_file, private_id + "\n");
}

std::error_code state_store::write_atomically(const std::string& name,
                                              const std::string& content) const {
  const auto path = directory_ + "/" + name;
  const auto temporary = path + ".tmp";
  unique_fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return last_error();
  if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size()) ||
      ::fsync(fd.get()) != 0) {
    auto ec = last_error();
    ::unlink(temporary.c_str());
    return ec;
  }
  fd.reset();
  if (::rename(temporary.c_str(), path.c_str()) != 0) return last_error();
  unique_fd dir(::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir) ::fsync(dir.get());
  return {};
}

}  // namespace wssd
