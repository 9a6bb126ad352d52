# Writes OUTPUT: a C++ file defining sb::op::embedded_crds() with the text of
# every file in INPUTS (a ;-separated list), for --install-crds.
# Run as: cmake -DOUTPUT=... -DINPUTS=... -P embed_files.cmake
set(body "// Generated from deploy/crds/*.yaml by embed_files.cmake; do not edit.\n#include \"operator/common/embedded_crds.hpp\"\n\nnamespace sb::op {\n\nconst std::vector<EmbeddedFile>& embedded_crds() {\n    static const std::vector<EmbeddedFile> files{\n")
foreach(input IN LISTS INPUTS)
  file(READ "${input}" content)
  get_filename_component(name "${input}" NAME)
  string(APPEND body "        {\"${name}\", R\"sbembed(${content})sbembed\"},\n")
endforeach()
string(APPEND body "    };\n    return files;\n}\n\n}  // namespace sb::op\n")
file(WRITE "${OUTPUT}.tmp" "${body}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
