// The two secrets of a session: the random server token and the private id derived from it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wss_hub {

// 64 lowercase hex characters from OpenSSL's CSPRNG; nullopt if it has no entropy.
std::optional<std::string> make_server_token();

// hex(sha256(server_token + ":" + user_token)), as the reference server derives it.
std::string make_private_id(std::string_view server_token, std::string_view user_token);

}  // namespace wss_hub
