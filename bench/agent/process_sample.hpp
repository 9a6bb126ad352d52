#pragma once
// What the kernel says about another process: resident memory and CPU time,
// read from /proc/<pid>. Zero when the process is gone or unreadable.
#include <cstdint>

namespace sb::bench {

struct ProcessSample {
    std::int64_t rss_kib = 0;   // VmRSS
    std::int64_t hwm_kib = 0;   // VmHWM: the high-water mark of VmRSS
    double cpu_seconds = 0;     // user + system
};

ProcessSample sample_process(int pid);

}  // namespace sb::bench
