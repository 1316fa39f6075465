#include "tools/hub/array_like.hpp"

#include <cmath>
#include <string>

namespace wss_hub {

namespace json = boost::json;

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {  // surrogate halves too (WTF-8): they equal no valid string
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The UTF-16 code units of a (valid) UTF-8 string, each as a string of its own.
std::vector<json::value> code_units(std::string_view utf8) {
  std::vector<json::value> out;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    const std::size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    std::uint32_t cp = n == 1 ? lead : lead & (0xFF >> (n + 1));
    for (std::size_t k = 1; k < n && i + k < utf8.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    }
    i += n;
    std::string unit;
    if (cp >= 0x10000) {
      append_utf8(unit, 0xD800 + ((cp - 0x10000) >> 10));
      out.emplace_back(unit);
      unit.clear();
      append_utf8(unit, 0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      append_utf8(unit, cp);
    }
    out.emplace_back(unit);
  }
  return out;
}

std::size_t loop_count(double length, std::size_t bound) {
  if (!(length > 0)) return 0;
  return static_cast<std::size_t>(std::min(std::ceil(length), static_cast<double>(bound)));
}

}  // namespace

std::optional<array_like> array_like::of(const json::value& v) {
  array_like a;
  a.source_ = &v;
  if (v.is_array()) {
    a.length_ = static_cast<double>(v.get_array().size());
    a.iterations_ = v.get_array().size();
  } else if (v.is_string()) {
    a.code_units_ = code_units(v.get_string());
    a.length_ = static_cast<double>(a.code_units_.size());
    a.iterations_ = a.code_units_.size();
  } else if (v.is_object()) {
    const auto* length = v.get_object().if_contains("length");
    if (length == nullptr || !length->is_number()) return std::nullopt;
    a.length_ = length->to_number<double>();
    a.iterations_ = loop_count(a.length_, max_object_iterations);
  } else {
    return std::nullopt;
  }
  return a;
}

const json::value* array_like::at(std::size_t i) const {
  if (source_->is_array()) {
    const auto& list = source_->get_array();
    return i < list.size() ? &list[i] : nullptr;
  }
  if (source_->is_string()) return i < code_units_.size() ? &code_units_[i] : nullptr;
  return source_->get_object().if_contains(std::to_string(i));
}

}  // namespace wss_hub
