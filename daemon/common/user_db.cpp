#include "daemon/common/user_db.hpp"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace wssd {

namespace {
constexpr std::size_t nss_buffer_size = 16384;
}

std::optional<std::string> user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(nss_buffer_size);
  if (getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) != 0 || !found)
    return std::nullopt;
  return std::string(found->pw_name);
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::optional<std::uint32_t> numeric_id(std::string_view text) {
  std::uint32_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || id == UINT32_MAX) {
    return std::nullopt;
  }
  return id;
}

std::optional<gid_t> group_id(const std::string& name_or_number) {
  if (name_or_number.empty()) return std::nullopt;
  if (all_digits(name_or_number)) return numeric_id(name_or_number);
  struct group gr {};
  struct group* found = nullptr;
  std::vector<char> buffer(nss_buffer_size);
  if (getgrnam_r(name_or_number.c_str(), &gr, buffer.data(), buffer.size(), &found) != 0 ||
      !found) {
    return std::nullopt;
  }
  return found->gr_gid;
}

std::vector<gid_t> groups_of(uid_t uid, gid_t primary) {
  std::vector<gid_t> groups{primary};
  const auto name = user_name(uid);
  if (!name) return groups;
  int count = 64;
  groups.resize(count);
  if (getgrouplist(name->c_str(), primary, groups.data(), &count) < 0) {
    groups.resize(count);
    getgrouplist(name->c_str(), primary, groups.data(), &count);
  }
  groups.resize(count);
  return groups;
}

}  // namespace wssd
