#pragma once
// `shapeblock-operator build-log <namespace>/<appbuild>`: prints a build's
// log (see build/build_log.hpp) with the caller's kubeconfig credentials.
namespace sb::op {

// argv[0] is "build-log". Returns the process exit code.
int run_build_log_command(int argc, char** argv);

}  // namespace sb::op
