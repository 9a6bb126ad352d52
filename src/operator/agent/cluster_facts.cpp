#include "operator/agent/cluster_facts.hpp"

#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>

#include "common/json_fields.hpp"

namespace sb::op::agent {

namespace {

const kube::ResourceRef kNodes{"", "v1", "nodes", false, "Node"};

struct Suffix {
    std::string_view text;
    double factor;
};

constexpr Suffix kSuffixes[] = {
    {"Ki", 1024.0},
    {"Mi", 1048576.0},
    {"Gi", 1073741824.0},
    {"Ti", 1099511627776.0},
    {"Pi", 1125899906842624.0},
    {"Ei", 1152921504606846976.0},
    {"n", 1e-9},
    {"u", 1e-6},
    {"m", 1e-3},
    {"k", 1e3},
    {"M", 1e6},
    {"G", 1e9},
    {"T", 1e12},
    {"P", 1e15},
    {"E", 1e18},
};

}  // namespace

std::optional<std::int64_t> parse_quantity(std::string_view text, std::int64_t scale) {
    if (text.empty()) return std::nullopt;
    double factor = 1.0;
    for (const auto& s : kSuffixes) {
        if (text.size() > s.text.size() && text.ends_with(s.text)) {
            factor = s.factor;
            text.remove_suffix(s.text.size());
            break;
        }
    }
    double number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end != text.data() + text.size() || number < 0 ||
        !std::isfinite(number))
        return std::nullopt;
    // Round up as Kubernetes does, but not for the binary noise of 3800 * 0.001 * 1000.
    const double value = std::ceil(number * factor * static_cast<double>(scale) - 1e-6);
    if (value > 9.2e18) return std::nullopt;
    return static_cast<std::int64_t>(value);
}

sb::agent::NodeCapacity sum_capacity(const std::vector<boost::json::object>& nodes) {
    sb::agent::NodeCapacity c;
    for (const auto& node : nodes) {
        ++c.nodes;
        c.allocatable_cpu_millis +=
            parse_quantity(get_string_view(node, "status.allocatable.cpu"), 1000).value_or(0);
        c.allocatable_memory_bytes +=
            parse_quantity(get_string_view(node, "status.allocatable.memory")).value_or(0);
    }
    return c;
}

kube::Task<ClusterFacts> read_cluster_facts(kube::Client& client,
                                            std::string configured_cluster_id) {
    ClusterFacts facts;
    facts.cluster_id = std::move(configured_cluster_id);
    if (facts.cluster_id.empty()) {
        auto ns = co_await client.get(kube::resources::namespaces, "", "kube-system");
        facts.cluster_id = get_string(ns, "metadata.uid");
    }
    kube::RawRequest version_request;
    version_request.path = "/version";
    auto version = co_await client.raw(std::move(version_request));
    if (version.status == 200) {
        std::error_code ec;
        auto parsed = boost::json::parse(version.body, ec);
        if (!ec && parsed.is_object())
            facts.kubernetes_version = get_string(parsed.get_object(), "gitVersion");
    }
    auto nodes = co_await client.list_all(kNodes, "");
    facts.capacity = sum_capacity(nodes.items);
    co_return facts;
}

}  // namespace sb::op::agent
