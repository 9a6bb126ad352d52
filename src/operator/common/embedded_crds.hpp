#pragma once
// The CRD manifests of deploy/crds, compiled into the binary (generated
// embedded_crds.cpp) so that --install-crds needs no files at run time.
#include <string_view>
#include <vector>

namespace sb::op {

struct EmbeddedFile {
    std::string_view name;
    std::string_view content;
};

const std::vector<EmbeddedFile>& embedded_crds();

}  // namespace sb::op
