#include "bench/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace wssd::bench {

namespace {

std::string proc_file(pid_t pid, const char* name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A "Key:   123 kB" line of /proc/PID/status; -1 when missing.
long status_kib(const std::string& status, const std::string& key) {
  const auto at = status.find("\n" + key + ":");
  if (at == std::string::npos) return -1;
  return std::strtol(status.c_str() + at + key.size() + 2, nullptr, 10);
}

std::optional<double> cpu_seconds_from_schedstat(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", ec);
  if (ec) return std::nullopt;
  unsigned long long nanoseconds = 0;
  bool any = false;
  for (const auto& task : tasks) {
    std::ifstream in(task.path() / "schedstat");
    unsigned long long ran = 0;
    if (in >> ran) {
      nanoseconds += ran;
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return static_cast<double>(nanoseconds) * 1e-9;
}

std::optional<double> cpu_seconds_from_stat(pid_t pid) {
  const auto stat = proc_file(pid, "stat");
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const auto end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(end_of_name + 1));
  std::string skipped;
  for (int field = 3; field < 14; ++field) fields >> skipped;
  unsigned long long user_ticks = 0;
  unsigned long long system_ticks = 0;
  if (!(fields >> user_ticks >> system_ticks)) return std::nullopt;
  return static_cast<double>(user_ticks + system_ticks) /
         static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

std::optional<memory_use> memory_of(pid_t pid) {
  const auto status = proc_file(pid, "status");
  memory_use m{status_kib(status, "VmRSS"), status_kib(status, "VmHWM")};
  if (m.rss_kib < 0 || m.peak_kib < 0) return std::nullopt;
  return m;
}

std::optional<double> cpu_seconds_of(pid_t pid) {
  if (auto s = cpu_seconds_from_schedstat(pid)) return s;
  return cpu_seconds_from_stat(pid);
}

cpu_snapshot cpu_now(const measured_processes& p) {
  return {cpu_seconds_of(p.wssd_pid).value_or(0), cpu_seconds_of(p.hub_pid).value_or(0),
          cpu_seconds_of(::getpid()).value_or(0)};
}

cpu_snapshot operator-(const cpu_snapshot& a, const cpu_snapshot& b) {
  return {a.wssd - b.wssd, a.hub - b.hub, a.bench - b.bench};
}

void wait_until_idle(pid_t pid, std::chrono::milliseconds limit) {
  constexpr auto interval = std::chrono::milliseconds(100);
  constexpr double busy_seconds = 0.005;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto before = cpu_seconds_of(pid);
  while (before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(interval);
    const auto now = cpu_seconds_of(pid);
    if (!now || *now - *before < busy_seconds) return;
    before = now;
  }
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

bool raise_descriptor_limit(unsigned long wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur >= wanted) return true;
  limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, wanted);
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur >= wanted;
}

double samples::percentile(double q) const {
  if (values_.empty()) return 0;
  auto sorted = values_;
  std::sort(sorted.begin(), sorted.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

void histogram::add(double micros) {
  ++count_;
  const auto bucket = static_cast<std::size_t>(std::max(micros, 0.0) / bucket_us);
  if (bucket < buckets) {
    ++counts_[bucket];
  } else {
    beyond_.push_back(micros);
  }
}

double histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  const auto rank = std::clamp<std::uint64_t>(
      static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))), 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < buckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) return static_cast<double>(b + 1) * bucket_us;
  }
  auto rest = beyond_;
  std::sort(rest.begin(), rest.end());
  return rest[static_cast<std::size_t>(rank - seen - 1)];
}

}  // namespace wssd::bench
