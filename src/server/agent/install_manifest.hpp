#pragma once
// The manifest a registration URL serves: everything `kubectl apply -f`
// needs to run the operator in a cluster and connect it to this server.
// It is deploy/manifests/shapeblock-operator.yaml (the operator chart
// rendered with its defaults: CRDs, namespace, ServiceAccount, RBAC, metrics
// Service, Deployment) plus the agent-token Secret, with the Deployment
// pointed at the server.
#include <string>
#include <string_view>

namespace sb::server::agent {

struct InstallManifestValues {
    std::string server_url;      // the operator's SB_OPERATOR_SERVER_URL
    std::string cluster_id;      // SB_OPERATOR_CLUSTER_ID
    std::string agent_token;     // goes into the Secret only
    std::string operator_image;  // empty: the manifest's own image
};

// Names the operator chart gives the agent token's Secret (values.yaml server.agentTokenSecret).
inline constexpr std::string_view kAgentTokenSecret = "shapeblock-agent-token";
inline constexpr std::string_view kAgentTokenKey = "token";

// A multi-document YAML stream, applied in order (the namespace before the
// Secret, the Secret before the Deployment). Throws std::logic_error when
// the embedded manifest lacks what it patches (a chart change the tests catch).
std::string install_manifest(const InstallManifestValues& values);

// A YAML double-quoted scalar (JSON string syntax, which YAML accepts).
std::string yaml_quoted(std::string_view text);

// deploy/manifests/shapeblock-operator.yaml as compiled in (generated source).
std::string_view embedded_operator_manifest();

}  // namespace sb::server::agent
