// The JSON parser behind proto::parse_json: Boost.JSON's, with numbers converted exactly.
//
// Boost.JSON 1.81 turns a number's text into a double with a fast method that can be off by
// one unit in the last place for long mantissas (2.2222222222222222E73 becomes
// 2.2222222222222225E73), so a peer's number would change on its way through wssd, and again
// each time an event went through the journal. Here every double is converted again from its
// text by std::from_chars, which rounds correctly, as JavaScript's JSON.parse does.
#pragma once

#include <boost/json/error.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <string_view>

#include "proto/jsonrpc.hpp"

namespace wssd::proto {

// Parses one complete JSON text, nested at most `max_depth` deep, into memory from `storage`;
// on failure sets `ec`.
boost::json::value parse_exactly(std::string_view text, boost::json::error_code& ec,
                                 boost::json::storage_ptr storage,
                                 std::size_t max_depth = max_json_depth);

}  // namespace wssd::proto
