// The configuration's three descriptions must agree: the parser (config_key_paths(), from the
// same table parse_config reads), wssd.conf(5) and systemd/wssd.conf.example. A key added to
// the parser fails here until both documents have it. The example (and the packaged
// /etc/wssd/wssd.conf made from it) must also pass `wssd --check-config`.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "daemon/config/config.hpp"
#include "tests/support/child_process.hpp"

namespace wssd {
namespace {

namespace json = boost::json;
using test::child_process;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One key as wssd.conf(5) documents it:
//   *ipc.max_line* = _bytes_, 1024 to 268435456
//   <TAB>Default: *1048576*. Applied: at restart.
struct man_entry {
  std::string type;     // seconds, count, bytes, string, URL, path, boolean, mode, ...
  std::string range;    // "1024 to 268435456", or empty
  std::string details;  // the first indented line
};

std::map<std::string, man_entry> man_page_keys() {
  std::istringstream lines(slurp(WSSD_SOURCE_DIR "/docs/man/wssd.conf.5.scd"));
  const std::regex term(R"(^\*([a-z0-9_.]+)\* = _([^_]+)_(?:, (\S+ to \S+))?$)");
  const std::regex almost(R"(^\*[a-z0-9_.]+\*( |$).*)");
  std::map<std::string, man_entry> keys;
  bool in_keys = false;
  std::string pending;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# ", 0) == 0) in_keys = line == "# KEYS";
    if (!in_keys) continue;
    std::smatch m;
    if (!pending.empty() && line.rfind('\t', 0) == 0) {
      keys[pending].details = line.substr(1);
      pending.clear();
    } else if (std::regex_match(line, m, term)) {
      EXPECT_EQ(keys.count(m[1]), 0u) << "wssd.conf(5) documents " << m[1] << " twice";
      keys[m[1]] = {m[2], m[3], ""};
      pending = m[1];
    } else {
      EXPECT_FALSE(std::regex_match(line, almost))
          << "wssd.conf(5): a key not in the form \"*path* = _type_[, MIN to MAX]\": " << line;
    }
  }
  return keys;
}

json::value parse_jsonc(const std::string& text) {
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  return json::parse(text, {}, options);
}

// The example's keys with their values. An object is descended into unless the parser takes
// it whole ("options").
void walk(const json::object& o, const std::string& prefix, const std::set<std::string>& leaves,
          std::map<std::string, json::value>& out) {
  for (const auto& [key, value] : o) {
    const auto path = prefix + std::string(key);
    if (value.is_object() && !leaves.count(path)) {
      walk(value.as_object(), path + ".", leaves, out);
    } else {
      out[path] = value;
    }
  }
}

std::map<std::string, json::value> example_keys(const std::set<std::string>& leaves) {
  const auto doc = parse_jsonc(slurp(WSSD_SOURCE_DIR "/systemd/wssd.conf.example"));
  std::map<std::string, json::value> out;
  walk(doc.as_object(), "", leaves, out);
  return out;
}

std::set<std::string> parser_keys() {
  const auto v = config_key_paths();
  return {v.begin(), v.end()};
}

template <typename Map>
std::set<std::string> names(const Map& m) {
  std::set<std::string> s;
  for (const auto& [k, v] : m) s.insert(k);
  return s;
}

std::string missing(const std::set<std::string>& want, const std::set<std::string>& have) {
  std::string out;
  for (const auto& k : want)
    if (!have.count(k)) out += (out.empty() ? "" : ", ") + k;
  return out;
}

// {"a": {"b": value}} for "a.b".
json::value document_for(const std::string& path, json::value value) {
  const auto dot = path.rfind('.');
  if (dot == std::string::npos) return json::object{{path, std::move(value)}};
  return document_for(path.substr(0, dot), json::object{{path.substr(dot + 1), std::move(value)}});
}

TEST(config_docs, the_parser_lists_its_keys) {
  const auto keys = parser_keys();
  for (const auto* k : {"server", "options", "tls.ca_file", "ipc.access.read", "event_ring"})
    EXPECT_TRUE(keys.count(k)) << k << " missing from config_key_paths()";
  EXPECT_FALSE(keys.count("tls")) << "tls holds keys; it is not one";
  EXPECT_FALSE(keys.count("options.wss")) << "options is taken whole";
}

TEST(config_docs, the_man_page_documents_exactly_the_parsers_keys) {
  const auto parser = parser_keys();
  const auto man = names(man_page_keys());
  EXPECT_EQ(missing(parser, man), "")
      << "keys the parser accepts but docs/man/wssd.conf.5.scd does not document (add an "
         "entry under # KEYS)";
  EXPECT_EQ(missing(man, parser), "")
      << "keys docs/man/wssd.conf.5.scd documents but the parser rejects";
}

TEST(config_docs, the_example_has_exactly_the_parsers_keys) {
  const auto parser = parser_keys();
  const auto example = names(example_keys(parser));
  EXPECT_EQ(missing(parser, example), "")
      << "keys the parser accepts but systemd/wssd.conf.example leaves out (add each, with "
         "its default)";
  EXPECT_EQ(missing(example, parser), "")
      << "keys in systemd/wssd.conf.example that the parser rejects";
}

// Each entry says its default (the example's value: the example holds the defaults) and
// whether SIGHUP applies it; its type matches the example's value.
TEST(config_docs, each_man_entry_has_default_type_and_reload_that_match_the_example) {
  const auto example = example_keys(parser_keys());
  const std::regex details(
      R"(^Default: (\*(.+)\*|none \(required\))\. Applied: (on SIGHUP|at restart)\.$)");
  const std::map<std::string, std::function<bool(const json::value&)>> kinds{
      {"seconds", [](const json::value& v) { return v.is_number(); }},
      {"count", [](const json::value& v) { return v.is_int64() || v.is_uint64(); }},
      {"bytes", [](const json::value& v) { return v.is_int64() || v.is_uint64(); }},
      {"string", [](const json::value& v) { return v.is_string(); }},
      {"URL", [](const json::value& v) { return v.is_string(); }},
      {"path", [](const json::value& v) { return v.is_string(); }},
      {"mode", [](const json::value& v) { return v.is_string() || v.is_int64(); }},
      {"boolean", [](const json::value& v) { return v.is_bool(); }},
      {"object", [](const json::value& v) { return v.is_object(); }},
      {"list of strings", [](const json::value& v) { return v.is_array(); }},
  };
  for (const auto& [key, entry] : man_page_keys()) {
    std::smatch m;
    if (!std::regex_match(entry.details, m, details)) {
      ADD_FAILURE() << "wssd.conf(5) " << key << ": the line after the key must be "
                    << "\"Default: *VALUE*. Applied: on SIGHUP.\" (or \"at restart.\"), not \""
                    << entry.details << "\"";
      continue;
    }
    const auto kind = kinds.find(entry.type);
    EXPECT_NE(kind, kinds.end()) << "wssd.conf(5) " << key << ": unknown type _" << entry.type
                                 << "_ (add it to this test if it is a new one)";
    const auto it = example.find(key);
    if (it == example.end()) continue;  // reported by the_example_has_exactly_the_parsers_keys
    if (kind != kinds.end()) {
      EXPECT_TRUE(kind->second(it->second)) << key << ": wssd.conf(5) says _" << entry.type
                                            << "_, the example has " << json::serialize(it->second);
    }
    EXPECT_EQ(m[3] == "on SIGHUP", applies_on_reload(key))
        << "wssd.conf(5) " << key << ": says \"Applied: " << m[3] << "\", but SIGHUP "
        << (applies_on_reload(key) ? "applies it" : "does not apply it");
    if (key == "server") {
      EXPECT_EQ(m[1], "none (required)") << "server has no default";
      continue;
    }
    json::error_code ec;
    const auto documented = json::parse(m[2].str(), ec);
    EXPECT_FALSE(ec) << "wssd.conf(5) " << key << ": the default *" << m[2]
                     << "* is not a JSON value";
    EXPECT_EQ(documented, it->second) << key << ": wssd.conf(5) says the default is " << m[2]
                                      << ", the example has " << json::serialize(it->second);
  }
}

// "MIN to MAX": both accepted, a little beyond either refused, by parse_config itself.
TEST(config_docs, documented_ranges_are_the_parsers) {
  int checked = 0;
  for (const auto& [key, entry] : man_page_keys()) {
    if (entry.range.empty()) continue;
    const auto to = entry.range.find(" to ");
    const double min = std::stod(entry.range.substr(0, to));
    const double max = std::stod(entry.range.substr(to + 4));
    const bool whole = entry.type == "count" || entry.type == "bytes";
    const double step = whole ? 1 : 0.001;
    auto number = [whole](double d) -> json::value {
      if (whole) return static_cast<std::int64_t>(d);
      return d;
    };
    auto accepts = [&key = key](json::value v) {
      return static_cast<bool>(parse_config(json::serialize(document_for(key, std::move(v)))));
    };
    EXPECT_TRUE(accepts(number(min)))
        << key << ": the documented least value " << min << " is refused";
    EXPECT_TRUE(accepts(number(max)))
        << key << ": the documented greatest value " << max << " is refused";
    EXPECT_FALSE(accepts(number(min - step)))
        << key << ": " << min - step << " is accepted, below the documented range";
    EXPECT_FALSE(accepts(number(max + step)))
        << key << ": " << max + step << " is accepted, above the documented range";
    ++checked;
  }
  EXPECT_GE(checked, 10) << "the ranges in wssd.conf(5) were not found";
}

struct outcome {
  int exit_code;
  std::string output;
};

outcome check_config(std::vector<std::string> args) {
  test::temp_dir dir;
  std::vector<std::string> argv{WSSD_PATH, "--check-config"};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process wssd({argv, {}, dir / "out", dir / "out"});
  const auto code = wssd.wait(std::chrono::seconds(20));
  return {code.value_or(-1), test::read_file(dir / "out")};
}

TEST(config_docs, the_example_is_a_valid_configuration) {
  const auto r = check_config({"--config", WSSD_SOURCE_DIR "/systemd/wssd.conf.example"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("configuration OK"), std::string::npos) << r.output;
}

// What the package installs as /etc/wssd/wssd.conf: valid once a server is given, and until
// then refused with a message that says what to do.
TEST(config_docs, the_packaged_config_needs_only_a_server) {
  const std::string packaged = WSSD_BINARY_DIR "/systemd/wssd.conf";
  const auto without = check_config({"--config", packaged});
  EXPECT_EQ(without.exit_code, 1) << without.output;
  EXPECT_NE(without.output.find("server: not set"), std::string::npos) << without.output;
  const auto with = check_config({"--config", packaged, "--server", "wss://wss.example.org/"});
  EXPECT_EQ(with.exit_code, 0) << with.output;
}

}  // namespace
}  // namespace wssd
