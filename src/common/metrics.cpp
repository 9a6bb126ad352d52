#include "common/metrics.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sb::metrics {
namespace {

void atomic_add(std::atomic<double>& target, double by) {
    double current = target.load(std::memory_order_relaxed);
    while (!target.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
    }
}

std::string format_number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (std::isnan(v)) return "NaN";
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.17g", v);
    return buf;
}

std::string escape_label(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string label_set(const std::vector<std::string>& names, const LabelValues& values,
                      const std::string& extra_name = {}, const std::string& extra_value = {}) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
        if (!out.empty()) out += ",";
        out += names[i] + "=\"" + escape_label(values[i]) + "\"";
    }
    if (!extra_name.empty()) {
        if (!out.empty()) out += ",";
        out += extra_name + "=\"" + extra_value + "\"";
    }
    return out.empty() ? "" : "{" + out + "}";
}

void header(std::ostringstream& out, const std::string& name, const std::string& help, const char* type) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

// Resident set size and CPU time of this process, from /proc.
void render_process_metrics(std::ostringstream& out) {
    std::ifstream statm("/proc/self/statm");
    long pages_total = 0, pages_resident = 0;
    if (statm >> pages_total >> pages_resident) {
        header(out, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge");
        out << "process_resident_memory_bytes " << pages_resident * sysconf(_SC_PAGESIZE) << "\n";
    }
    std::ifstream stat("/proc/self/stat");
    std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close_paren = content.rfind(')');
    if (close_paren != std::string::npos) {
        std::istringstream fields(content.substr(close_paren + 2));
        std::string field;
        double utime = 0, stime = 0;
        for (int i = 3; i <= 15 && fields >> field; ++i) {
            if (i == 14) utime = std::stod(field);
            if (i == 15) stime = std::stod(field);
        }
        header(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter");
        out << "process_cpu_seconds_total " << format_number((utime + stime) / sysconf(_SC_CLK_TCK)) << "\n";
    }
}

}  // namespace

void Counter::inc(double by) {
    if (by < 0) throw std::invalid_argument("a counter cannot decrease");
    atomic_add(value_, by);
}

void Gauge::inc(double by) { atomic_add(value_, by); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
    for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
    std::size_t i = 0;
    while (i < bounds_.size() && v > bounds_[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    atomic_add(sum_, v);
    count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
    std::vector<std::uint64_t> out;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        out.push_back(running);
    }
    return out;
}

std::vector<double> default_latency_buckets() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

template <typename Metric>
Metric& Family<Metric>::with(const LabelValues& values) {
    if (values.size() != label_names_.size())
        throw std::invalid_argument("metric " + name_ + ": expected " + std::to_string(label_names_.size()) +
                                    " label values, got " + std::to_string(values.size()));
    std::lock_guard lock(mutex_);
    auto it = series_.find(values);
    if (it == series_.end()) {
        std::unique_ptr<Metric> metric;
        if constexpr (std::is_same_v<Metric, Histogram>) metric = std::make_unique<Histogram>(bounds_);
        else metric = std::make_unique<Metric>();
        it = series_.emplace(values, std::move(metric)).first;
    }
    return *it->second;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry& Registry::global() {
    static Registry registry;
    return registry;
}

template <typename Map, typename... Args>
static auto& find_or_create(std::mutex& mutex, Map& map, const std::string& name, Args&&... args) {
    std::lock_guard lock(mutex);
    auto it = map.find(name);
    if (it == map.end()) {
        using FamilyT = typename Map::mapped_type::element_type;
        it = map.emplace(name, std::make_unique<FamilyT>(name, std::forward<Args>(args)...)).first;
    }
    return *it->second;
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
    return find_or_create(mutex_, counters_, name, help, std::move(labels));
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
    return find_or_create(mutex_, gauges_, name, help, std::move(labels));
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> labels, std::vector<double> bounds) {
    return find_or_create(mutex_, histograms_, name, help, std::move(labels), std::move(bounds));
}

std::string Registry::render() const {
    std::ostringstream out;
    std::lock_guard lock(mutex_);
    for (const auto& [name, family] : counters_) {
        header(out, name, family->help(), "counter");
        family->for_each([&](const LabelValues& labels, const Counter& c) {
            out << name << label_set(family->label_names(), labels) << " " << format_number(c.value()) << "\n";
        });
    }
    for (const auto& [name, family] : gauges_) {
        header(out, name, family->help(), "gauge");
        family->for_each([&](const LabelValues& labels, const Gauge& g) {
            out << name << label_set(family->label_names(), labels) << " " << format_number(g.value()) << "\n";
        });
    }
    for (const auto& [name, family] : histograms_) {
        header(out, name, family->help(), "histogram");
        family->for_each([&](const LabelValues& labels, const Histogram& h) {
            auto counts = h.cumulative_counts();
            for (std::size_t i = 0; i < counts.size(); ++i) {
                std::string le = i < h.bounds().size() ? format_number(h.bounds()[i]) : "+Inf";
                out << name << "_bucket" << label_set(family->label_names(), labels, "le", le) << " " << counts[i]
                    << "\n";
            }
            out << name << "_sum" << label_set(family->label_names(), labels) << " " << format_number(h.sum()) << "\n";
            out << name << "_count" << label_set(family->label_names(), labels) << " " << h.count() << "\n";
        });
    }
    render_process_metrics(out);
    return out.str();
}

}  // namespace sb::metrics
