// wssctl: the command line for wssd's local socket; one verb per file, this table joins them.
//
// Exit codes: 0 ok, 1 failure, 2 usage, 3 timeout, 4 daemon not reachable, 5 denied.
#include <csignal>

#include "daemon/common/instance_option.hpp"
#include "daemon/common/version.hpp"
#include "ipc/wssctl/cli.hpp"

int main(int argc, char** argv) {
  using namespace wssctl;
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"wssctl: use wssd's shared WebSocket Sessions identity"};
  app.set_version_flag("--version", "wssctl " WSSD_VERSION);
  app.require_subcommand(1);
  global_options o;
  app.add_option("--socket", o.socket, "wssd's socket (wins over --instance)")
      ->envname("WSSD_SOCKET");
  app.add_option("-i,--instance", o.instance, "Use wssd instance NAME (its socket NAME.sock)")
      ->envname("WSSD_INSTANCE")
      ->check(wssd::instance_name_validator());
  app.add_flag("--json", o.json, "JSON output (errors too)");

  const std::unique_ptr<verb> verbs[] = {status_verb(),  metrics_verb(),   peers_verb(),
                                         send_verb(),    broadcast_verb(), monitor_verb(),
                                         set_pid_verb(), reconnect_verb(), wait_online_verb(),
                                         rpc_verb(),     instances_verb()};
  std::vector<std::pair<CLI::App*, verb*>> table;
  for (const auto& v : verbs) table.emplace_back(v->define(app), v.get());

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {  // CLI11's way of reporting; this is its boundary
    return app.exit(e) == 0 ? ok : usage;
  }
  try {
    for (const auto& [command, v] : table) {
      if (*command) return v->run(o);
    }
  } catch (const std::exception& e) {  // an answer of a shape nobody expected
    return report(o, failed, std::string("internal error: ") + e.what());
  }
  return usage;
}
