// What every wssctl verb shares: the global options, exit codes, how answers and errors are
// printed, and the verb interface the dispatch table in main.cpp is made of.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <string>

#include "ipc/client/client.hpp"
#include "proto/jsonrpc.hpp"

namespace wssctl {

namespace json = boost::json;
using wssd::client;

enum exit_code { ok = 0, failed = 1, usage = 2, timed_out = 3, unreachable = 4, denied = 5 };

struct global_options {
  std::string socket;    // empty: the default, found again at each connect (see socket_path)
  std::string instance;  // -i / WSSD_INSTANCE: that instance's default socket
  bool json = false;
};

// The socket to connect to now: --socket (or WSSD_SOCKET), else the default of the instance
// (-i, WSSD_INSTANCE) or of the default instance. The default is looked for at each attempt: a
// verb that waits (wait-online, monitor) may start before the daemon made its socket.
std::string socket_path(const global_options& o);

// One verb: it adds its subcommand (with its options) to the app, and runs once chosen.
class verb {
 public:
  virtual ~verb() = default;
  virtual CLI::App* define(CLI::App& app) = 0;
  virtual int run(const global_options& o) = 0;
};

std::unique_ptr<verb> status_verb();
std::unique_ptr<verb> metrics_verb();
std::unique_ptr<verb> peers_verb();
std::unique_ptr<verb> send_verb();
std::unique_ptr<verb> broadcast_verb();
std::unique_ptr<verb> monitor_verb();
std::unique_ptr<verb> set_pid_verb();
std::unique_ptr<verb> reconnect_verb();
std::unique_ptr<verb> wait_online_verb();
std::unique_ptr<verb> rpc_verb();
std::unique_ptr<verb> instances_verb();

// A subcommand whose options may also be given before it (`wssctl status --json`).
CLI::App* add_verb(CLI::App& app, const std::string& name, const std::string& help);
// --timeout SECONDS, with a clear message for what is not a positive number of seconds.
void add_timeout(CLI::App& cmd, double& seconds, double default_seconds);
client::duration milliseconds(double seconds);
// A positive number of seconds, or nullopt.
std::optional<double> seconds_from(const std::string& text);

int report(const global_options& o, int code, const std::string& message,
           json::value data = nullptr);
int report(const global_options& o, const client::failure& f);
int report(const global_options& o, const wssd::proto::rpc_error& e);
int exit_for(client::failure_kind kind);

// Connects, asks, and prints the answer: as JSON with --json, else with `print`.
int run_call(const global_options& o, const std::function<client::answer(client&)>& ask,
             const std::function<void(const json::value&)>& print);
void print_nothing(const json::value&);

// A verb that takes nothing but --timeout: one call, its answer printed (status, peers, ...).
using ask_within = std::function<client::answer(client&, client::duration)>;
std::unique_ptr<verb> call_verb(std::string name, std::string help, double default_timeout,
                                ask_within ask, std::function<void(const json::value&)> print);

// DATA is JSON if it parses, else a string. JSON that wssd cannot take (too deep) is an error,
// never quietly sent as a string.
boost::system::result<json::value, std::string> parse_data(const std::string& text);

}  // namespace wssctl
