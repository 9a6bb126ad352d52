#include "operator/source/source_artifact.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/object.hpp>

#include "agent/source_digest.hpp"

namespace sb::op::source {

namespace json = boost::json;

std::string source_repository(std::string_view image_repository) { return std::string(image_repository) + "/source"; }

std::string source_tag(std::string_view digest) {
    std::string tag(digest);
    if (auto colon = tag.find(':'); colon != std::string::npos) tag[colon] = '-';
    return tag;
}

std::string empty_config_digest() {
    sb::agent::SourceDigest digest;
    digest.update(kEmptyConfig);
    return digest.finish();
}

std::string source_manifest(std::string_view digest, std::int64_t size) {
    json::object manifest{
        {"schemaVersion", 2},
        {"mediaType", kManifestMediaType},
        {"artifactType", kArtifactType},
        {"config", {{"mediaType", kEmptyConfigMediaType}, {"digest", empty_config_digest()}, {"size", kEmptyConfig.size()}}},
        {"layers", json::array{json::object{{"mediaType", kLayerMediaType},
                                            {"digest", digest},
                                            {"size", size},
                                            {"annotations", {{"org.opencontainers.image.title", "source.tar.gz"}}}}}},
    };
    return json::serialize(manifest);
}

}  // namespace sb::op::source
