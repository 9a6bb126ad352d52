#pragma once
// What both agent benches report: latency distributions and another
// process's memory, in one format.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace sb::bench {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point from, Clock::time_point to);
// The value below which `fraction` of the samples lie (nearest rank).
double percentile(std::vector<double> samples, double fraction);
// "p50 …, p99 …, max … (n samples)" of millisecond samples.
std::string distribution(const std::vector<double>& ms);
// "VmRSS … MiB (VmHWM … MiB)" of the process, or `unsampled` when pid <= 0.
std::string memory_of(int pid, const std::string& unsampled);

boost::asio::awaitable<void> sleep_for(Clock::duration d);

}  // namespace sb::bench
