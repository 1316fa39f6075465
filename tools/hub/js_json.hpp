// JSON as the reference server (Node.js) sees it: JSON.parse, JSON.stringify and the few
// loose-equality tests its request handling relies on. The hub re-serialises everything it
// relays through these, so numbers, key order and duplicate keys come out as the real
// server would send them.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace wss_hub {

// JSON.parse; nullopt where it would throw.
std::optional<boost::json::value> js_parse(std::string_view text);

// JSON.stringify: numbers are IEEE doubles printed the JavaScript way, array-index keys come
// first in ascending order, only control characters, '"' and '\' are escaped.
std::string js_stringify(const boost::json::value& v);

// Number.prototype.toString for a finite double.
std::string js_number(double d);

// String(v): what a template literal or `==` against a string compares.
std::string js_to_string(const boost::json::value& v);

// `a == b` with JavaScript's loose equality; nullptr is undefined. Two objects or arrays are
// never equal: the server only ever compares values from different requests.
bool js_loosely_equals(const boost::json::value* a, const boost::json::value* b);
// `v == text`.
bool js_loosely_equals(const boost::json::value& v, std::string_view text);

// `v == undefined || v == null || v == ""`: how the server tests for a missing parameter.
bool js_missing_or_empty(const boost::json::value* v);

// typeof v == "object" (objects, arrays and null).
bool js_typeof_object(const boost::json::value& v);

// String.prototype.length: UTF-16 code units of a UTF-8 string.
std::size_t js_length(std::string_view utf8);

}  // namespace wss_hub
