// Look-ups in the user and group database (NSS), thread-safe variants.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wssd {

std::optional<std::string> user_name(uid_t uid);
bool all_digits(std::string_view text);
// A uid or gid written as a number: nullopt for what is not one, or does not fit (-1 is none).
std::optional<std::uint32_t> numeric_id(std::string_view text);
// A group by name or by number.
std::optional<gid_t> group_id(const std::string& name_or_number);
// The primary group and every supplementary group of a user.
std::vector<gid_t> groups_of(uid_t uid, gid_t primary);

}  // namespace wssd
