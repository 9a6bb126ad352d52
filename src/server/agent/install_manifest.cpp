#include "server/agent/install_manifest.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace sb::server::agent {

namespace {

constexpr std::string_view kNamespace = "shapeblock";

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        auto end = text.find('\n');
        if (end == std::string_view::npos) end = text.size();
        lines.push_back(text.substr(0, end));
        text.remove_prefix(std::min(text.size(), end + 1));
    }
    return lines;
}

// The documents of a YAML stream, without their "---" separators; what
// precedes the first separator (the file's header comment) is dropped.
std::vector<std::vector<std::string_view>> documents_of(std::string_view stream) {
    std::vector<std::vector<std::string_view>> docs;
    bool started = false;
    for (auto line : lines_of(stream)) {
        if (line == "---") {
            docs.emplace_back();
            started = true;
        } else if (started) {
            docs.back().push_back(line);
        }
    }
    return docs;
}

bool has_line(const std::vector<std::string_view>& doc, std::string_view wanted) {
    for (auto line : doc)
        if (line == wanted) return true;
    return false;
}

std::size_t indent_of(std::string_view line) { return line.find_first_not_of(' '); }

// The first line that is `key:` followed by a value (or by nothing when
// `bare`), after any indentation.
std::size_t find_key(const std::vector<std::string_view>& doc, std::string_view key, bool bare) {
    for (std::size_t i = 0; i < doc.size(); ++i) {
        auto indent = indent_of(doc[i]);
        if (indent == std::string_view::npos) continue;
        auto rest = doc[i].substr(indent);
        if (!rest.starts_with(key) || rest.size() <= key.size() || rest[key.size()] != ':') continue;
        auto after = rest.substr(key.size() + 1);
        if (bare ? after.empty() : after.starts_with(' ')) return i;
    }
    throw std::logic_error("the embedded operator manifest's Deployment has no '" + std::string(key) +
                           ":' line (deploy/charts/shapeblock-operator changed?)");
}

std::string secret_document(const InstallManifestValues& v) {
    std::string out;
    out += "# The cluster's agent token; the operator reads it as SB_OPERATOR_AGENT_TOKEN.\n";
    out += "apiVersion: v1\nkind: Secret\nmetadata:\n";
    out += "  name: " + std::string(kAgentTokenSecret) + "\n";
    out += "  namespace: " + std::string(kNamespace) + "\n";
    out += "  labels:\n    app.kubernetes.io/name: shapeblock-operator\n    app.kubernetes.io/part-of: shapeblock\n";
    out += "type: Opaque\nstringData:\n";
    out += "  " + std::string(kAgentTokenKey) + ": " + yaml_quoted(v.agent_token) + "\n";
    return out;
}

std::string connection_env(const InstallManifestValues& v, const std::string& item_indent) {
    const std::string& i = item_indent;
    std::string out;
    out += i + "- name: SB_OPERATOR_SERVER_URL\n" + i + "  value: " + yaml_quoted(v.server_url) + "\n";
    out += i + "- name: SB_OPERATOR_CLUSTER_ID\n" + i + "  value: " + yaml_quoted(v.cluster_id) + "\n";
    out += i + "- name: SB_OPERATOR_AGENT_TOKEN\n" + i + "  valueFrom:\n" + i + "    secretKeyRef:\n";
    out += i + "      name: " + std::string(kAgentTokenSecret) + "\n" + i + "      key: " + std::string(kAgentTokenKey) + "\n";
    return out;
}

std::string deployment_document(const std::vector<std::string_view>& doc, const InstallManifestValues& v) {
    if (!has_line(doc, "  namespace: " + std::string(kNamespace)))
        throw std::logic_error("the embedded operator manifest's Deployment is not in namespace shapeblock");
    auto image = find_key(doc, "image", false);
    auto env = find_key(doc, "env", true);
    std::string out;
    bool source_image_value_next = false;
    for (std::size_t i = 0; i < doc.size(); ++i) {
        if (i == image && !v.operator_image.empty()) {
            out += std::string(indent_of(doc[i]), ' ') + "image: " + yaml_quoted(v.operator_image) + "\n";
            continue;
        }
        // The build step of an uploaded source runs the operator's own image too.
        if (std::exchange(source_image_value_next, false) && !v.operator_image.empty()) {
            out += std::string(indent_of(doc[i]), ' ') + "value: " + yaml_quoted(v.operator_image) + "\n";
            continue;
        }
        const auto indent = indent_of(doc[i]);
        source_image_value_next = indent != std::string_view::npos && doc[i].substr(indent) == "- name: SB_OPERATOR_SOURCE_IMAGE";
        out += std::string(doc[i]) + "\n";
        if (i == env) out += connection_env(v, std::string(indent_of(doc[i]) + 2, ' '));
    }
    return out;
}

}  // namespace

std::string yaml_quoted(std::string_view text) { return boost::json::serialize(boost::json::string(text)); }

std::string install_manifest(const InstallManifestValues& values) {
    auto docs = documents_of(embedded_operator_manifest());
    std::string out = "# ShapeBlock operator for cluster " + values.cluster_id +
                      ": CRDs, namespace shapeblock, RBAC, the agent token Secret and the operator Deployment.\n"
                      "# Served once by the server's registration URL, from deploy/manifests/shapeblock-operator.yaml.\n";
    bool namespace_seen = false, deployment_seen = false;
    for (const auto& doc : docs) {
        out += "---\n";
        if (has_line(doc, "kind: Namespace")) namespace_seen = true;
        if (!has_line(doc, "kind: Deployment")) {
            for (auto line : doc) out += std::string(line) + "\n";
            continue;
        }
        if (!namespace_seen)
            throw std::logic_error("the embedded operator manifest has no Namespace before its Deployment");
        deployment_seen = true;
        out += secret_document(values);
        out += "---\n";
        out += deployment_document(doc, values);
    }
    if (!deployment_seen) throw std::logic_error("the embedded operator manifest has no Deployment");
    return out;
}

}  // namespace sb::server::agent
