#include "proto/json_parser.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <charconv>
#include <string>

namespace wssd::proto {

namespace json = boost::json;

namespace {

// Boost.JSON's own value-building handler (detail::handler), but for on_double.
struct exact_handler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack stack;
  std::string number;  // the text of a number split across buffers, so far

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    stack.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    stack.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    stack.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number.clear();
    stack.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number.clear();
    stack.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code&) {
    // The text is `s` alone unless the number was split across buffers.
    if (!number.empty()) number.append(s.data(), s.size());
    const std::string_view text = number.empty() ? std::string_view(s.data(), s.size()) : number;
    double exact = 0;
    const char* end = text.data() + text.size();
    // Out of range (an overflow or an underflow) keeps Boost.JSON's value.
    if (const auto r = std::from_chars(text.data(), end, exact);
        r.ec == std::errc() && r.ptr == end) {
      d = exact;
    }
    number.clear();
    stack.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    stack.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    stack.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

using exact_parser = json::basic_parser<exact_handler>;

json::value run(exact_parser& parser, std::string_view text, json::error_code& ec,
                json::storage_ptr storage) {
  parser.reset();
  parser.handler().number.clear();
  parser.handler().stack.reset(std::move(storage));
  const auto used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  if (ec) return nullptr;
  return parser.handler().stack.release();
}

// Below this size (and with wssd's depth limit) a text is parsed by one parser per thread, kept:
// setting up a parser costs about as much as parsing a short line. Its stacks keep their
// largest size, so a long text gets a parser of its own, let go with it.
constexpr std::size_t kept_parser_below = 64 * 1024;

json::parse_options limits(std::size_t max_depth) {
  json::parse_options options;
  options.max_depth = max_depth;
  return options;
}

}  // namespace

json::value parse_exactly(std::string_view text, json::error_code& ec, json::storage_ptr storage,
                          std::size_t max_depth) {
  if (text.size() >= kept_parser_below || max_depth != max_json_depth) {
    exact_parser fresh(limits(max_depth));
    return run(fresh, text, ec, std::move(storage));
  }
  thread_local exact_parser kept(limits(max_json_depth));
  return run(kept, text, ec, std::move(storage));
}

}  // namespace wssd::proto
