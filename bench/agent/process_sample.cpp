#include "bench/agent/process_sample.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace sb::bench {

ProcessSample sample_process(int pid) {
    ProcessSample sample;
    if (pid <= 0) return sample;
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream status(base + "/status");
    for (std::string line; std::getline(status, line);) {
        std::istringstream fields(line);
        std::string key;
        std::int64_t kib = 0;
        fields >> key >> kib;
        if (key == "VmRSS:") sample.rss_kib = kib;
        if (key == "VmHWM:") sample.hwm_kib = kib;
    }
    std::ifstream stat(base + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // The command name may hold spaces: the fields that follow start after its ')'.
    auto close = text.rfind(')');
    if (close != std::string::npos) {
        std::istringstream rest(text.substr(close + 2));
        std::string field;
        // After ')': state is field 3; utime and stime are fields 14 and 15.
        for (int i = 3; i < 14 && rest >> field; ++i) {
        }
        long long utime = 0, stime = 0;
        rest >> utime >> stime;
        sample.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    return sample;
}

}  // namespace sb::bench
