#include "daemon/config/command_line.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "daemon/common/instance_option.hpp"
#include "daemon/common/paths.hpp"
#include "daemon/common/version.hpp"
#include "daemon/config/preflight.hpp"

namespace wssd {

namespace {

struct flags {
  std::string instance;
  std::optional<std::string> server, handshake_url, socket, state_dir, bus, log_level;
  bool spool = false;
};

void apply(const flags& f, config& c) {
  c.instance = f.instance;
  if (f.server) c.server = *f.server;
  if (f.handshake_url) c.handshake_url = *f.handshake_url;
  if (f.socket) c.ipc.socket = *f.socket;
  if (f.state_dir) c.state_dir = *f.state_dir;
  if (f.bus) c.bus = *f.bus;
  if (f.log_level) c.log_level = *f.log_level;
  if (f.spool) c.spool.enabled = true;
  if (c.ipc.socket.empty()) c.ipc.socket = default_socket_path(c.instance);
  if (c.state_dir.empty()) c.state_dir = default_state_dir(c.instance);
  if (c.bus.empty()) c.bus = default_bus();
}

}  // namespace

parse_outcome parse_command_line(int argc, char** argv) {
  CLI::App app{"wssd: holds one WebSocket Sessions identity and shares it with local processes"};
  app.set_version_flag("--version", "wssd " WSSD_VERSION);
  invocation run;
  flags f;
  std::optional<std::string> config_path;
  app.add_option("--instance", f.instance,
                 "Be instance NAME: NAME.conf, NAME.sock, STATE/NAME and a D-Bus name of its own")
      ->check(instance_name_validator());
  app.add_option("--server", f.server, "WSS server URL (ws:// or wss://)");
  app.add_option("--handshake-url", f.handshake_url,
                 "Handshake over HTTP POST at this http(s):// URL");
  app.add_option("--config", config_path, "Configuration file (JSON with comments)")
      ->option_text("FILE (default " + default_config_file() + ", or NAME.conf beside it)");
  app.add_flag("--check-config", run.check_config,
               "Validate the configuration, explain errors, exit");
  app.add_option("--socket", f.socket, "Unix socket path for local clients")
      ->envname("WSSD_SOCKET");
  app.add_option("--state-dir", f.state_dir, "Directory for the private id and the spool");
  app.add_option("--bus", f.bus, "D-Bus to serve on")
      ->check(CLI::IsMember({"system", "session", "none"}));
  app.add_option("--log-level", f.log_level, "Log level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_flag("--spool", f.spool,
               "Keep the outbox, an event journal and durable consumers in STATE_DIR/store.db "
               "(spool.enabled)");
  app.add_flag("--foreground", run.foreground, "Log to stderr for a terminal, even under systemd");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {  // CLI11 reports through exceptions; this is its boundary
    const int code = app.exit(e);
    return {std::nullopt, e.get_exit_code() == 0 ? 0 : (code == 0 ? 0 : 2)};
  }

  run.config_path = config_path.value_or(default_config_file(f.instance));
  const bool required = config_path.has_value();
  const bool exists = std::filesystem::exists(run.config_path);
  if (required || exists) {
    auto loaded = load_config_file(run.config_path, std::move(run.settings));
    if (!loaded) {
      std::cerr << "wssd: invalid configuration\n" << loaded.error().what << "\n";
      return {std::nullopt, 1};
    }
    run.settings = std::move(*loaded);
  }
  apply(f, run.settings);
  auto errors = validate(run.settings);
  if (errors.empty()) errors = preflight(run.settings);
  if (!errors.empty()) {
    std::cerr << "wssd: invalid configuration\n";
    for (const auto& e : errors) std::cerr << e << "\n";
    // An instance whose file is missing is most often a typo in its name.
    if (!f.instance.empty() && !exists) {
      std::cerr << "(instance " << f.instance << ": " << run.config_path << " does not exist)\n";
    }
    return {std::nullopt, 1};
  }
  return {std::move(run), 0};
}

}  // namespace wssd
