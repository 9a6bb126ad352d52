#include "bench/agent/measure.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench/agent/process_sample.hpp"

namespace sb::bench {

double ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

double percentile(std::vector<double> samples, double fraction) {
    if (samples.empty()) return 0;
    std::sort(samples.begin(), samples.end());
    auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(samples.size())));
    return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

std::string distribution(const std::vector<double>& ms) {
    char text[160];
    std::snprintf(text, sizeof text, "p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu samples)", percentile(ms, 0.5),
                  percentile(ms, 0.99), ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()), ms.size());
    return text;
}

std::string memory_of(int pid, const std::string& unsampled) {
    if (pid <= 0) return unsampled;
    auto s = sample_process(pid);
    char text[120];
    std::snprintf(text, sizeof text, "VmRSS %.1f MiB (VmHWM %.1f MiB)", s.rss_kib / 1024.0, s.hwm_kib / 1024.0);
    return text;
}

boost::asio::awaitable<void> sleep_for(Clock::duration d) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, d);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

}  // namespace sb::bench
