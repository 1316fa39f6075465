#include "tools/hub/js_json.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <utility>
#include <vector>

#include "proto/json_parser.hpp"

namespace wss_hub {
namespace json = boost::json;

namespace {

// V8 overflows its stack somewhere past this depth; JSON.parse then throws like on bad JSON.
constexpr std::size_t max_parse_depth = 10000;

double to_double(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

bool is_digit(char c, int base) {
  const auto u = static_cast<unsigned char>(c);
  const int d = std::isdigit(u) ? c - '0' : std::isalpha(u) ? std::tolower(u) - 'a' + 10 : 99;
  return d < base;
}

// Number(text): StringToNumber of ECMA-262 (whitespace other than ASCII and NBSP aside).
double js_string_to_number(std::string_view text) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  static constexpr std::string_view space = " \t\n\r\f\v";
  while (!text.empty() && space.find(text.front()) != std::string_view::npos) text.remove_prefix(1);
  while (!text.empty() && space.find(text.back()) != std::string_view::npos) text.remove_suffix(1);
  if (text.empty()) return 0;
  if (text.size() > 2 && text[0] == '0') {
    const int base = std::tolower(text[1]) == 'x'   ? 16
                     : std::tolower(text[1]) == 'o' ? 8
                     : std::tolower(text[1]) == 'b' ? 2
                                                    : 0;
    if (base != 0) {
      double d = 0;
      for (const char c : text.substr(2)) {
        if (!is_digit(c, base)) return nan;
        d = d * base + (std::isdigit(static_cast<unsigned char>(c))
                            ? c - '0'
                            : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
      }
      return d;
    }
  }
  const bool negative = text.front() == '-';
  const auto unsigned_part = text.front() == '-' || text.front() == '+' ? text.substr(1) : text;
  if (unsigned_part == "Infinity") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  // StrDecimalLiteral: digits with an optional fraction and exponent; "1." and ".5" count.
  std::size_t i = 0;
  const auto digits = [&] {
    const auto start = i;
    while (i < unsigned_part.size() && is_digit(unsigned_part[i], 10)) ++i;
    return i - start;
  };
  std::size_t mantissa = digits();
  if (i < unsigned_part.size() && unsigned_part[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return nan;
  if (i < unsigned_part.size() && std::tolower(unsigned_part[i]) == 'e') {
    ++i;
    if (i < unsigned_part.size() && (unsigned_part[i] == '+' || unsigned_part[i] == '-')) ++i;
    if (digits() == 0) return nan;
  }
  if (i != unsigned_part.size()) return nan;
  const std::string literal(text);
  return std::strtod(literal.c_str(), nullptr);
}

// A key that JavaScript treats as an array index and therefore enumerates first.
std::optional<std::uint32_t> array_index(std::string_view key) {
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) return std::nullopt;
  std::uint64_t n = 0;
  for (const char c : key) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n > 0xFFFFFFFEu) return std::nullopt;
  return static_cast<std::uint32_t>(n);
}

void append_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_value(std::string& out, const json::value& v);

void append_object(std::string& out, const json::object& o) {
  std::vector<std::pair<std::uint32_t, const json::key_value_pair*>> indexed;
  std::vector<const json::key_value_pair*> named;
  for (const auto& kv : o) {
    if (const auto index = array_index(kv.key())) {
      indexed.emplace_back(*index, &kv);
    } else {
      named.push_back(&kv);
    }
  }
  std::sort(indexed.begin(), indexed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  bool first = true;
  const auto append_member = [&](const json::key_value_pair& kv) {
    if (!first) out += ',';
    first = false;
    append_string(out, kv.key());
    out += ':';
    append_value(out, kv.value());
  };
  for (const auto& [index, kv] : indexed) append_member(*kv);
  for (const auto* kv : named) append_member(*kv);
  out += '}';
}

void append_array(std::string& out, const json::array& a) {
  out += '[';
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i != 0) out += ',';
    append_value(out, a[i]);
  }
  out += ']';
}

void append_value(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: {
      const double d = to_double(v);
      out += std::isfinite(d) ? js_number(d) : "null";
      break;
    }
    case json::kind::string:
      append_string(out, v.get_string());
      break;
    case json::kind::array:
      append_array(out, v.get_array());
      break;
    case json::kind::object:
      append_object(out, v.get_object());
      break;
  }
}

// The digits and decimal exponent of the shortest round-tripping form: d == 0.DIGITS × 10^n.
std::pair<std::string, int> shortest_digits(double d) {
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  const std::string_view text(buf, static_cast<std::size_t>(result.ptr - buf));
  const auto e_pos = text.find('e');
  std::string digits;
  for (const char c : text.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  const auto exp_text = text.substr(e_pos + (text[e_pos + 1] == '+' ? 2 : 1));
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  return {digits, exponent + 1};
}

}  // namespace

// JSON.parse reads each number as the double its text names, as parse_exactly does.
std::optional<json::value> js_parse(std::string_view text) {
  json::error_code ec;
  json::value v = wssd::proto::parse_exactly(text, ec, {}, max_parse_depth);
  if (ec) return std::nullopt;
  return v;
}

std::string js_stringify(const json::value& v) {
  std::string out;
  append_value(out, v);
  return out;
}

// ECMA-262 Number::toString(10), steps for k digits and exponent n.
std::string js_number(double d) {
  if (d == 0) return "0";
  std::string sign = d < 0 ? "-" : "";
  const auto [digits, n] = shortest_digits(std::fabs(d));
  const int k = static_cast<int>(digits.size());
  if (k <= n && n <= 21) return sign + digits + std::string(static_cast<std::size_t>(n - k), '0');
  if (0 < n && n <= 21) return sign + digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0)
    return sign + "0." + std::string(static_cast<std::size_t>(-n), '0') + digits;
  const int e = n - 1;
  const std::string exponent = std::string("e") + (e < 0 ? "-" : "+") + std::to_string(std::abs(e));
  if (k == 1) return sign + digits + exponent;
  return sign + digits.substr(0, 1) + "." + digits.substr(1) + exponent;
}

std::string js_to_string(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::string:
      return std::string(v.get_string());
    case json::kind::object:
      return "[object Object]";
    case json::kind::array: {
      std::string out;
      const auto& a = v.get_array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i != 0) out += ',';
        if (!a[i].is_null()) out += js_to_string(a[i]);
      }
      return out;
    }
    default: {
      const double d = to_double(v);
      if (std::isfinite(d)) return js_number(d);
      return d > 0 ? "Infinity" : "-Infinity";
    }
  }
}

bool js_loosely_equals(const json::value* a, const json::value* b) {
  const bool a_nullish = a == nullptr || a->is_null();
  const bool b_nullish = b == nullptr || b->is_null();
  if (a_nullish || b_nullish) return a_nullish && b_nullish;
  // Objects from two different parses are never the same object.
  if (a->is_structured() && b->is_structured()) return false;
  if (a->is_structured()) {
    const json::value primitive(js_to_string(*a));
    return js_loosely_equals(&primitive, b);
  }
  if (b->is_structured()) return js_loosely_equals(b, a);
  if (a->is_bool() || b->is_bool()) {  // a boolean compares as 0 or 1
    const json::value x = a->is_bool() ? json::value(a->get_bool() ? 1 : 0) : *a;
    const json::value y = b->is_bool() ? json::value(b->get_bool() ? 1 : 0) : *b;
    return js_loosely_equals(&x, &y);
  }
  if (a->is_string() && b->is_string()) return a->get_string() == b->get_string();
  const double x = a->is_string() ? js_string_to_number(a->get_string()) : to_double(*a);
  const double y = b->is_string() ? js_string_to_number(b->get_string()) : to_double(*b);
  return x == y;
}

bool js_loosely_equals(const json::value& v, std::string_view text) {
  const json::value string(text);
  return js_loosely_equals(&v, &string);
}

bool js_missing_or_empty(const json::value* v) {
  return v == nullptr || v->is_null() || js_loosely_equals(*v, "");
}

bool js_typeof_object(const json::value& v) {
  return v.is_object() || v.is_array() || v.is_null();
}

std::size_t js_length(std::string_view utf8) {
  std::size_t units = 0;
  for (const char c : utf8) {
    const auto u = static_cast<unsigned char>(c);
    if ((u & 0xC0) != 0x80) ++units;  // a lead byte starts one code point
    if (u >= 0xF0) ++units;           // beyond the BMP: a surrogate pair
  }
  return units;
}

}  // namespace wss_hub
