// wssd's own JSON-RPC error codes (server errors are passed through with their own codes).
#pragma once

#include <cstdint>

namespace wssd::proto::wssd_error {

inline constexpr std::int64_t offline = -32010;          // needs the session, and it is down
inline constexpr std::int64_t expired = -32011;          // waited in the outbox past its TTL
inline constexpr std::int64_t denied = -32012;           // the caller lacks the right
inline constexpr std::int64_t queue_full = -32013;       // the outbox is at its bound
inline constexpr std::int64_t connection_lost = -32014;  // the link dropped before an answer
inline constexpr std::int64_t timeout = -32015;          // the server did not answer in time
inline constexpr std::int64_t bad_answer = -32016;       // the server's answer made no sense
inline constexpr std::int64_t stopping = -32017;         // the daemon is shutting down
inline constexpr std::int64_t not_spooled = -32018;      // the durable store cannot be written
inline constexpr std::int64_t busy = -32019;             // in use by another connection

}  // namespace wssd::proto::wssd_error
