// wssctl instances: every wssd found as a socket in the runtime directories (this user's, then
// the system's /run/wssd), the default one too, with its state and private id. A socket that
// does not answer (a crashed wssd's, or one we may not use) gets a line saying why.
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <system_error>

#include "daemon/common/instance.hpp"
#include "daemon/common/paths.hpp"
#include "ipc/wssctl/cli.hpp"

namespace wssctl {
namespace {

namespace fs = std::filesystem;

struct found {
  std::string name;  // empty: the default instance
  std::string socket;
  std::optional<json::object> status;  // or why there is none
  std::string error;
};

// The user's own runtime directory first (where a wssd of this user puts its sockets), then
// the system's.
std::vector<std::string> runtime_dirs() {
  std::vector<std::string> dirs{fs::path(wssd::default_socket_path()).parent_path().string()};
  if (dirs.front() != wssd::system_runtime_dir) dirs.emplace_back(wssd::system_runtime_dir);
  return dirs;
}

// The instances whose sockets are in `dir`, the default one first. A directory that is not
// there holds none; one we may not read is reported.
std::vector<found> sockets_in(const std::string& dir, std::vector<std::string>& problems) {
  std::vector<found> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (ec != std::errc::no_such_file_or_directory) {
      problems.push_back("cannot list " + dir + ": " + ec.message());
    }
    return out;
  }
  for (const auto& entry : it) {
    const auto& path = entry.path();
    if (path.extension() != ".sock" || !entry.is_socket(ec)) continue;
    const auto stem = path.stem().string();
    if (stem == wssd::instance_file_stem({})) {
      out.push_back({"", path.string(), std::nullopt, ""});
    } else if (!wssd::instance_name_error(stem)) {
      out.push_back({stem, path.string(), std::nullopt, ""});
    }
  }
  std::sort(out.begin(), out.end(), [](const found& a, const found& b) {
    return std::make_pair(!a.name.empty(), a.name) < std::make_pair(!b.name.empty(), b.name);
  });
  return out;
}

void ask(found& f, client::duration timeout) {
  auto c = client::connect(f.socket);
  if (!c) {
    f.error = c.error().what;
    return;
  }
  auto answer = c->status(timeout);
  if (!answer) {
    f.error = answer.error().what;
  } else if (!*answer) {
    f.error = answer->error().message;
  } else if (!(**answer).is_object()) {
    f.error = "status answered what is not an object";
  } else {
    f.status = (**answer).as_object();
  }
}

std::string text(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : "-";
}

json::value to_json(const found& f) {
  json::object o{{"name", f.name.empty() ? json::value(nullptr) : json::value(f.name)},
                 {"socket", f.socket}};
  if (f.status) {
    o["answering"] = true;
    for (const char* key : {"state", "private_id", "server", "peers", "clients"}) {
      if (const auto* v = f.status->if_contains(key)) o[key] = *v;
    }
  } else {
    o["answering"] = false;
    o["error"] = f.error;
  }
  return o;
}

void print_table(const std::vector<found>& all) {
  std::size_t name_width = 9, state_width = 5;
  for (const auto& f : all) {
    name_width = std::max(name_width, f.name.size());
    state_width = std::max(state_width, f.status ? text(*f.status, "state").size() : 13);
  }
  const auto row = [&](const std::string& name, const std::string& state, const std::string& pid,
                       const std::string& rest) {
    std::cout << std::left << std::setw(static_cast<int>(name_width)) << name << "  "
              << std::setw(static_cast<int>(state_width)) << state << "  " << std::setw(64) << pid
              << "  " << rest << "\n";
  };
  row("INSTANCE", "STATE", "PRIVATE ID", "SOCKET");
  for (const auto& f : all) {
    const auto name = f.name.empty() ? std::string("(default)") : f.name;
    if (f.status) {
      row(name, text(*f.status, "state"), text(*f.status, "private_id"), f.socket);
    } else {
      row(name, "not answering", "-", f.socket + " (" + f.error + ")");
    }
  }
}

class instances final : public verb {
 public:
  CLI::App* define(CLI::App& app) override {
    auto* cmd = add_verb(app, "instances", "Running wssd instances, their states and private ids");
    add_timeout(*cmd, timeout_, 2);
    return cmd;
  }

  int run(const global_options& o) override {
    std::vector<found> all;
    std::vector<std::string> problems;
    const auto dirs = runtime_dirs();
    for (const auto& dir : dirs) {
      auto in = sockets_in(dir, problems);
      all.insert(all.end(), in.begin(), in.end());
    }
    // One at a time, each bounded by --timeout: a frozen wssd costs that much, no more.
    for (auto& f : all) ask(f, milliseconds(timeout_));
    for (const auto& p : problems) std::cerr << "wssctl: " << p << "\n";

    if (o.json) {
      json::array list;
      for (const auto& f : all) list.push_back(to_json(f));
      std::cout << json::serialize(list) << std::endl;
    } else if (all.empty()) {
      std::string where;
      for (const auto& d : dirs) where += (where.empty() ? "" : " and ") + d;
      std::cout << "no wssd instance found in " << where << "\n";
    } else {
      print_table(all);
    }
    // Nothing to show because we may not look is a denial, not an empty list.
    return all.empty() && !problems.empty() ? denied : ok;
  }

 private:
  double timeout_ = 0;
};

}  // namespace

std::unique_ptr<verb> instances_verb() {
  return std::make_unique<instances>();
}

}  // namespace wssctl
