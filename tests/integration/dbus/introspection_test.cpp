// The interface XML wssd ships (proto/org.wssd.Session1.xml) says what the daemon exports:
// the same methods, properties and signals, with the same signatures and argument names.
#include <regex>
#include <set>

#include "tests/integration/dbus/dbus_fixture.hpp"

namespace wssd::test {
namespace {

constexpr const char* emits_changed = "org.freedesktop.DBus.Property.EmitsChangedSignal";

std::map<std::string, std::string> attributes_of(const std::string& text) {
  static const std::regex attribute(R"re(([A-Za-z_:.-]+)\s*=\s*"([^"]*)")re");
  std::map<std::string, std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), attribute), end; it != end; ++it) {
    out[(*it)[1]] = (*it)[2];
  }
  return out;
}

// Describes each member of `interface` in one line, e.g. "method Send(in as to, in s json)".
// A property without an EmitsChangedSignal annotation emits changes (the D-Bus default).
std::set<std::string> members_of(std::string xml, const std::string& interface) {
  xml = std::regex_replace(xml, std::regex("<!--[\\s\\S]*?-->"), "");
  static const std::regex tag(R"re(<(/?)([A-Za-z]+)([^>]*?)(/?)>)re");
  std::set<std::string> out;
  bool inside = false;
  std::string kind, current, args, annotations;
  auto finish = [&] {
    if (kind == "property") {
      out.insert(current + (annotations.empty() ? " emits=true" : annotations));
    } else if (!kind.empty()) {
      out.insert(current + "(" + args + ")" + annotations);
    }
    kind.clear();
  };
  for (std::sregex_iterator it(xml.begin(), xml.end(), tag), end; it != end; ++it) {
    const bool closing = (*it)[1] == "/";
    const bool empty = (*it)[4] == "/";
    const std::string name = (*it)[2];
    auto a = attributes_of((*it)[3]);
    if (name == "interface") {
      if (!closing) inside = a["name"] == interface;
      continue;
    }
    if (!inside) continue;
    if (name == "method" || name == "signal" || name == "property") {
      if (closing) {
        finish();
        continue;
      }
      finish();
      kind = name;
      current = name + " " + a["name"];
      if (name == "property") current += " " + a["type"] + " " + a["access"];
      args.clear();
      annotations.clear();
      if (empty) finish();
    } else if (name == "arg") {
      const auto direction = a.count("direction") ? a["direction"] : "in";
      if (!args.empty()) args += ", ";
      args += (kind == "method" ? direction + " " : "") + a["type"] + " " + a["name"];
    } else if (name == "annotation") {
      annotations +=
          a["name"] == emits_changed ? " emits=" + a["value"] : " " + a["name"] + "=" + a["value"];
    }
  }
  return out;
}

TEST_F(dbus_test, the_shipped_interface_xml_matches_what_wssd_exports) {
  auto r = busctl({"introspect", "--xml-interface", "org.wssd.Session1", "/org/wssd/Session1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto exported = members_of(r.out, "org.wssd.Session1");
  const auto shipped = members_of(read_file(WSSD_INTROSPECTION_XML), "org.wssd.Session1");
  ASSERT_FALSE(exported.empty()) << r.out;
  EXPECT_EQ(shipped, exported);
  // The contract's names (DESIGN.md), so that both cannot drift together.
  for (const auto* member :
       {"method Send(in as to, in s json)", "method Broadcast(in s json, in as exclude)",
        "method SetPrivateID(in s private_id)", "method GetPeers(out a(ss) peers)",
        "method Reconnect()", "property State s read emits=true",
        "property PrivateID s read emits=true", "property Peers a(ss) read emits=true",
        "property Server s read emits=const",
        "signal MessageReceived(s kind, s from, s json, t seq)",
        "signal Update(s from, s json, t seq)", "signal PeerConnected(s pid, s options_json)",
        "signal PeerDisconnected(s pid)", "signal PeerPrivateIDChanged(s old, s new)"}) {
    EXPECT_EQ(exported.count(member), 1u) << member;
  }
}

}  // namespace
}  // namespace wssd::test
