// wssctl send PID... -- DATA (or send PID DATA): a direct message to each listed peer.
#include <iostream>

#include "ipc/wssctl/cli.hpp"

namespace wssctl {
namespace {

class send final : public verb {
 public:
  CLI::App* define(CLI::App& app) override {
    cmd_ = add_verb(app, "send", "Send DATA to peers: send PID... -- DATA");
    add_timeout(*cmd_, timeout_, 90);
    // CLI11 cannot split a list from a last value around `--`, so the words from the first PID
    // on are read here: options before `--`, DATA after it, taken as it is.
    cmd_->prefix_command();
    cmd_->fallthrough(false);  // the words are this verb's, not the parent's
    return cmd_;
  }

  int run(const global_options& global) override {
    auto o = global;
    std::vector<std::string> pids;
    std::optional<std::string> data;
    const auto words = cmd_->remaining();
    for (std::size_t i = 0; i < words.size(); ++i) {
      const auto& word = words[i];
      if (word == "--") {
        if (i + 2 != words.size()) {
          return report(o, usage,
                        i + 1 == words.size() ? "send: DATA is missing after --"
                                              : "send: DATA must be one argument after -- "
                                                "(quote it)");
        }
        data = words[i + 1];
        break;
      }
      if (word == "--help" || word == "-h") {
        std::cout << cmd_->help();
        return ok;
      }
      if (word == "--json") {
        o.json = true;
      } else if (word == "--timeout") {
        const auto s = i + 1 < words.size() ? seconds_from(words[i + 1]) : std::nullopt;
        if (!s) return report(o, usage, "send: --timeout needs a number of seconds above 0");
        timeout_ = *s;
        ++i;
      } else if (word.size() > 1 && word[0] == '-') {
        return report(o, usage,
                      "send: unknown option " + word + " (DATA that starts with - goes after --)");
      } else {
        pids.push_back(word);
      }
    }
    if (!data) {
      if (pids.size() > 2) return report(o, usage, "send: with several peers, put -- before DATA");
      if (pids.size() < 2) return report(o, usage, "send needs PID... -- DATA");
      data = pids.back();
      pids.pop_back();
    }
    if (pids.empty()) return report(o, usage, "send needs PID... -- DATA");
    auto value = parse_data(*data);
    if (!value) return report(o, usage, value.error());
    return run_call(
        o, [&](client& c) { return c.send(pids, *value, milliseconds(timeout_)); }, print_nothing);
  }

 private:
  CLI::App* cmd_ = nullptr;
  double timeout_ = 0;
};

}  // namespace

std::unique_ptr<verb> send_verb() {
  return std::make_unique<send>();
}

}  // namespace wssctl
