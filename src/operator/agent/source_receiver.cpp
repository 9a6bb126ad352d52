#include "operator/agent/source_receiver.hpp"

#include <boost/asio/this_coro.hpp>

#include "agent/source_digest.hpp"
#include "common/base64.hpp"
#include "common/json_fields.hpp"
#include "common/log.hpp"
#include "kube/errors.hpp"
#include "kube/resource.hpp"
#include "operator/appbuild/build_plan.hpp"
#include "operator/appbuild/job_builder.hpp"
#include "operator/registry/registry_client.hpp"
#include "operator/source/source_artifact.hpp"

namespace sb::op::agent {

namespace json = boost::json;
using sb::agent::Error;
using sb::agent::ErrorCode;

struct SourceReceiver::Upload {
    std::string ns, app;
    std::int64_t next_offset = 0;
    sb::agent::SourceDigest digest;
    std::string pending;  // received, not pushed yet (at most kFlushBytes)
    std::unique_ptr<registry::RegistryClient> registry;
    std::optional<registry::RegistryClient::Upload> blob;  // started once the archive outgrows kFlushBytes
    std::chrono::steady_clock::time_point last_seen = std::chrono::steady_clock::now();
};

namespace {

// A refusal of the registry as the error the server gets (it names the registry's reason).
Error registry_error(std::exception_ptr e, const std::string& repository) {
    try {
        std::rethrow_exception(e);
    } catch (const registry::RegistryUnreachable& unreachable) {
        return {ErrorCode::unavailable, "the app's registry cannot be reached: " + std::string(unreachable.what())};
    } catch (const registry::RegistryRefused& refused) {
        return {ErrorCode::invalid, "the app's registry refused to store the source in " + repository + ": " + refused.what()};
    } catch (const kube::ApiError&) {
        return error_from_exception(std::current_exception());
    } catch (const kube::TransportError&) {
        return error_from_exception(std::current_exception());
    } catch (const std::exception& other) {
        return {ErrorCode::internal, other.what()};
    }
}

}  // namespace

void SourceReceiver::drop_idle() {
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(uploads_, [now](const auto& entry) { return now - entry.second->last_seen > kIdleLimit; });
}

kube::Task<std::shared_ptr<SourceReceiver::Upload>> SourceReceiver::begin(const sb::agent::SourceChunk& chunk) {
    const sb::agent::ObjectRef app_ref{"App", chunk.namespace_, chunk.app};
    if (auto error = co_await objects_.check_namespace(app_ref)) throw *error;
    auto app = apps_.store().get(chunk.namespace_, chunk.app);
    if (!app) throw Error{ErrorCode::not_found, "no App " + chunk.namespace_ + "/" + chunk.app + " in the cluster yet"};
    appbuild::RegistryDefaults defaults{settings_.default_registry, settings_.registry_secret_name};
    std::string image_repository;
    try {
        image_repository = appbuild::app_image_repository(*app, chunk.namespace_, defaults);
    } catch (const std::invalid_argument& e) {
        throw Error{ErrorCode::invalid, e.what()};
    }
    const auto repository = registry::parse_repository(source::source_repository(image_repository));
    std::optional<registry::Credentials> login;
    const auto secret_name = appbuild::app_registry_secret(*app, defaults);
    if (!secret_name.empty()) {
        std::optional<json::object> secret;
        try {
            secret = co_await client_.get(kube::resources::secrets, chunk.namespace_, secret_name);
        } catch (const kube::ApiError& e) {
            if (!kube::is_not_found(e)) throw;
        }
        if (!secret)
            throw Error{ErrorCode::not_found, "the app's registry Secret " + chunk.namespace_ + "/" + secret_name + " does not exist yet"};
        std::string config;
        if (const auto* data = find_object(*secret, "data"))
            if (const auto* value = data->if_contains(".dockerconfigjson"); value && value->is_string())
                config = try_base64_decode(value->get_string()).value_or("");
        try {
            if (!config.empty()) login = registry::credentials_for(config, repository.host);
        } catch (const std::invalid_argument& e) {
            throw Error{ErrorCode::invalid, "the app's registry Secret " + secret_name + ": " + e.what()};
        }
    }
    auto upload = std::make_shared<Upload>();
    upload->ns = chunk.namespace_;
    upload->app = chunk.app;
    const bool insecure = settings_.insecure_registries.contains(repository.host);
    upload->registry = std::make_unique<registry::RegistryClient>(co_await boost::asio::this_coro::executor, repository,
                                                                  std::move(login), insecure);
    co_return upload;
}

kube::Task<void> SourceReceiver::store(Upload& upload, const sb::agent::SourceChunk& last) {
    auto& registry = *upload.registry;
    const bool known = co_await registry.has_blob(last.digest);
    if (known) {
        upload.pending.clear();  // the same archive was uploaded before: its blob is there
    } else if (upload.blob) {
        co_await registry.finish(*upload.blob, last.digest, std::move(upload.pending));
    } else {
        co_await registry.push_blob(last.digest, std::move(upload.pending));
    }
    // Named arguments: GCC 12 mishandles temporaries inside co_await.
    const auto config_digest = source::empty_config_digest();
    const bool has_config = co_await registry.has_blob(config_digest);
    std::string config(source::kEmptyConfig);
    if (!has_config) co_await registry.push_blob(config_digest, std::move(config));
    auto tag = source::source_tag(last.digest);
    std::string media_type(source::kManifestMediaType);
    auto manifest = source::source_manifest(last.digest, last.size);
    co_await registry.put_manifest(std::move(tag), std::move(media_type), std::move(manifest));
}

kube::Task<std::optional<Error>> SourceReceiver::receive(sb::agent::SourceChunk chunk) {
    drop_idle();
    std::shared_ptr<Upload> upload;
    if (auto it = uploads_.find(chunk.upload_id); it != uploads_.end()) upload = it->second;
    std::string repository;
    try {
        if (!upload) {
            if (chunk.offset != 0)
                co_return Error{ErrorCode::not_found, "upload " + chunk.upload_id + " is not in progress here (its start was lost)"};
            if (uploads_.size() >= kMaxUploads)
                co_return Error{ErrorCode::unavailable, std::to_string(kMaxUploads) + " source uploads are in progress already"};
            upload = co_await begin(chunk);
            uploads_[chunk.upload_id] = upload;
        }
        repository = upload->registry->repository().host + "/" + upload->registry->repository().name;
        if (upload->ns != chunk.namespace_ || upload->app != chunk.app)
            throw Error{ErrorCode::malformed, "upload " + chunk.upload_id + " is for another app"};
        if (chunk.offset != upload->next_offset)
            throw Error{ErrorCode::malformed, "piece at offset " + std::to_string(chunk.offset) + " of upload " + chunk.upload_id +
                                                  " where " + std::to_string(upload->next_offset) + " was expected"};
        upload->last_seen = std::chrono::steady_clock::now();
        upload->next_offset += static_cast<std::int64_t>(chunk.data.size());
        upload->digest.update(chunk.data);
        upload->pending += chunk.data;
        if (upload->pending.size() >= kFlushBytes && !chunk.last) {
            if (!upload->blob) upload->blob = co_await upload->registry->start_upload();
            auto bytes = std::exchange(upload->pending, {});
            co_await upload->registry->append(*upload->blob, std::move(bytes));
        }
        if (chunk.last) {
            if (auto got = upload->digest.finish(); got != chunk.digest)
                throw Error{ErrorCode::invalid, "the upload's bytes are " + got + ", not " + chunk.digest + " as announced"};
            co_await store(*upload, chunk);
            uploads_.erase(chunk.upload_id);
            sb::log::info("source stored", {{"app", json::value(chunk.namespace_ + "/" + chunk.app)},
                                            {"artifact", json::value(repository + ":" + source::source_tag(chunk.digest))},
                                            {"bytes", json::value(chunk.size)}});
        }
        co_return std::nullopt;
    } catch (const Error& e) {
        uploads_.erase(chunk.upload_id);
        co_return e;
    } catch (...) {
        uploads_.erase(chunk.upload_id);
        co_return registry_error(std::current_exception(), repository);
    }
}

}  // namespace sb::op::agent
