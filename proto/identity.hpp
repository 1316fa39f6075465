// Secrets and ids of the WSS protocol: tokens from the kernel's CSPRNG (via OpenSSL) and the
// server's private-id derivation, hex(sha256(server_token ":" user_token)).
#pragma once

#include <string>
#include <string_view>

namespace wssd::proto {

std::string random_token();
std::string sha256_hex(std::string_view input);
std::string private_id_for(std::string_view server_token, std::string_view user_token);

}  // namespace wssd::proto
