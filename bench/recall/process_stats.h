// What the benchmarks print about the process and the machine beside their figures.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

namespace engram::bench {

// A field of /proc/self/status (VmRSS, VmHWM) in MiB; -1 when absent.
inline double ProcStatusMb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::atof(line.c_str() + field.size() + 1) / 1024;
  }
  return -1;
}

// The 1, 5 and 15 minute load averages, as /proc/loadavg gives them.
inline std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

}  // namespace engram::bench
