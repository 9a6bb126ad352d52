# Writes OUTPUT: a C++ file defining sb::server::agent::embedded_operator_manifest()
# with the text of INPUT (deploy/manifests/shapeblock-operator.yaml, rendered
# from the operator chart), so registration manifests come from the same
# source as `kubectl apply -f deploy/manifests/...` and `helm install`.
# Run as: cmake -DOUTPUT=... -DINPUT=... -P embed_manifest.cmake
file(READ "${INPUT}" content)
string(FIND "${content}" ")sbembed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )sbembed\"")
endif()
set(body "// Generated from deploy/manifests/shapeblock-operator.yaml by embed_manifest.cmake; do not edit.\n#include \"server/agent/install_manifest.hpp\"\n\nnamespace sb::server::agent {\n\nstd::string_view embedded_operator_manifest() {\n    static constexpr std::string_view text = R\"sbembed(${content})sbembed\";\n    return text;\n}\n\n}  // namespace sb::server::agent\n")
file(WRITE "${OUTPUT}.tmp" "${body}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
