#pragma once
// Prometheus metrics: counters, gauges and histograms with labels, rendered in
// the text exposition format (version 0.0.4). Updates are lock-free atomics on
// an already-created series; creating a series takes a mutex once.
//
//   auto& reconciles = sb::metrics::Registry::global().counter(
//       "sb_reconcile_total", "Reconciliations by controller and result", {"controller", "result"});
//   reconciles.with({"app", "success"}).inc();
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sb::metrics {

using LabelValues = std::vector<std::string>;

class Counter {
public:
    void inc(double by = 1.0);
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

class Gauge {
public:
    void set(double v) { value_.store(v, std::memory_order_relaxed); }
    void inc(double by = 1.0);
    void dec(double by = 1.0) { inc(-by); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

class Histogram {
public:
    explicit Histogram(std::vector<double> upper_bounds);
    void observe(double v);
    const std::vector<double>& bounds() const { return bounds_; }
    // Cumulative counts per bound (last one is +Inf), sum and count.
    std::vector<std::uint64_t> cumulative_counts() const;
    double sum() const { return sum_.load(std::memory_order_relaxed); }
    std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
    std::atomic<double> sum_{0.0};
    std::atomic<std::uint64_t> count_{0};
};

// Default latency buckets in seconds: 1 ms .. 10 s.
std::vector<double> default_latency_buckets();

template <typename Metric>
class Family {
public:
    Family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds = {})
        : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}
    // The series for these label values (in the order of the label names); created on first use.
    Metric& with(const LabelValues& values);
    // The series without labels (only for families declared without label names).
    Metric& get() { return with({}); }

    const std::string& name() const { return name_; }
    const std::string& help() const { return help_; }
    const std::vector<std::string>& label_names() const { return label_names_; }
    template <typename F>
    void for_each(F&& f) const {
        std::lock_guard lock(mutex_);
        for (const auto& [labels, metric] : series_) f(labels, *metric);
    }

private:
    std::string name_, help_;
    std::vector<std::string> label_names_;
    std::vector<double> bounds_;
    mutable std::mutex mutex_;
    std::map<LabelValues, std::unique_ptr<Metric>> series_;
};

class Registry {
public:
    static Registry& global();

    // Returns the existing family when one of that name exists already.
    Family<Counter>& counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
    Family<Gauge>& gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
    Family<Histogram>& histogram(const std::string& name, const std::string& help, std::vector<std::string> labels = {},
                                 std::vector<double> bounds = default_latency_buckets());

    // Prometheus text exposition format; includes process_resident_memory_bytes
    // and process_cpu_seconds_total of this process.
    std::string render() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Family<Counter>>> counters_;
    std::map<std::string, std::unique_ptr<Family<Gauge>>> gauges_;
    std::map<std::string, std::unique_ptr<Family<Histogram>>> histograms_;
};

}  // namespace sb::metrics
