#include "api/process_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "api/single_sample_family.h"

namespace syncmon::api {
namespace {

// Seconds since the epoch at which the machine booted (the "btime" line of /proc/stat).
double boot_time_seconds() {
  std::ifstream stat("/proc/stat");
  std::string key;
  while (stat >> key) {
    if (key == "btime") {
      double value = 0;
      stat >> value;
      return value;
    }
    stat.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  std::ifstream stat_file("/proc/self/stat");
  std::string stat;
  std::getline(stat_file, stat);
  // Fields after the command name, which is in parentheses and may contain spaces.
  const std::size_t after_name = stat.rfind(')');
  if (after_name != std::string::npos) {
    std::istringstream fields(stat.substr(after_name + 2));
    std::vector<std::string> values;
    for (std::string field; fields >> field;) {
      values.push_back(field);
    }
    // /proc/[pid]/stat field numbers (1-based) minus 3: state is field 3.
    const auto field = [&values](std::size_t number) { return values.size() > number - 3 ? std::stod(values[number - 3]) : 0.0; };
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    families.push_back(single_sample_family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                              prometheus::MetricType::Counter, (field(14) + field(15)) / ticks));
    families.push_back(single_sample_family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                              prometheus::MetricType::Gauge, field(23)));
    families.push_back(single_sample_family("process_resident_memory_bytes", "Resident memory size in bytes.",
                              prometheus::MetricType::Gauge, field(24) * page));
    families.push_back(single_sample_family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                              prometheus::MetricType::Gauge, boot_time_seconds() + field(22) / ticks));
  }
  std::error_code ec;
  double open_fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    ++open_fds;
  }
  families.push_back(single_sample_family("process_open_fds", "Number of open file descriptors.", prometheus::MetricType::Gauge, open_fds));
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    families.push_back(single_sample_family("process_max_fds", "Maximum number of open file descriptors.",
                              prometheus::MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
  }
  return families;
}

}  // namespace syncmon::api
