#pragma once
// Carries out the server's sourceChunk messages: the pieces of an app's
// uploaded source, stored as they come in the app's registry as an OCI
// artifact (operator/source/source_artifact.hpp) with the app's registry
// Secret. At most kFlushBytes wait in memory per upload: a larger archive
// goes to the registry as a chunked blob upload meanwhile. The last piece is
// acked once the archive's digest is checked and its manifest written, so
// the build that follows finds it.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "agent/messages.hpp"
#include "kube/client.hpp"
#include "kube/informer.hpp"
#include "operator/agent/object_writer.hpp"

namespace sb::op::agent {

struct SourceStoreSettings {
    std::string default_registry;      // for Apps that name none
    std::string registry_secret_name;  // for Apps that name no Secret (the copy in every project namespace)
    std::set<std::string> insecure_registries;
};

class SourceReceiver {
public:
    // Bytes one upload keeps before pushing them (registries such as ECR want
    // chunks of at least 5 MiB); uploads at once; idle time before one is dropped.
    static constexpr std::size_t kFlushBytes = 8 << 20;
    static constexpr std::size_t kMaxUploads = 4;
    static constexpr std::chrono::minutes kIdleLimit{5};

    SourceReceiver(kube::Client& client, ObjectWriter& objects, kube::Informer& apps, SourceStoreSettings settings)
        : client_(client), objects_(objects), apps_(apps), settings_(std::move(settings)) {}

    // nullopt when the piece is taken (the last one: stored), else the error to ack with.
    kube::Task<std::optional<sb::agent::Error>> receive(sb::agent::SourceChunk chunk);
    // The link to the server ended: uploads in progress will never finish.
    void reset() { uploads_.clear(); }
    std::size_t uploads_in_progress() const { return uploads_.size(); }

private:
    struct Upload;
    kube::Task<std::shared_ptr<Upload>> begin(const sb::agent::SourceChunk& chunk);
    kube::Task<void> store(Upload& upload, const sb::agent::SourceChunk& last);
    void drop_idle();

    kube::Client& client_;
    ObjectWriter& objects_;
    kube::Informer& apps_;
    SourceStoreSettings settings_;
    std::map<std::string, std::shared_ptr<Upload>> uploads_;
};

}  // namespace sb::op::agent
