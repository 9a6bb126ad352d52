#pragma once
// `shapeblock-operator fetch-source`: the first step of a build pod whose
// source is an upload (AppBuild spec.source.kind: upload). Fetches the
// archive from the app's registry (source_artifact.hpp) with the registry
// Secret mounted into the pod, checks its SHA-256, and unpacks it into the
// workspace where the clone step would have cloned. Settings come from the
// environment the build Job sets (see job_builder), or flags.
namespace sb::op::source {

// Exit codes, read back by the build status (build_status.cpp).
enum FetchExit : int {
    fetch_unreachable = 20,  // the registry could not be reached
    fetch_refused = 21,      // the registry refused (credentials, no such artifact)
    fetch_corrupt = 22,      // the bytes are not the upload (digest), or not a safe tar.gz
    fetch_usage = 2,
};

// argv[0] is "fetch-source". Returns the process exit code.
int run_fetch_source_command(int argc, char** argv);

}  // namespace sb::op::source
