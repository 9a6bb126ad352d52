#pragma once
// Carries out the server's appSecret messages: writes (or deletes) exactly
// one Secret, `<app>-env`, `<app>-git` or `<app>-registry`, in the namespace
// of a ShapeBlock Project. The Secret is labelled
// app.kubernetes.io/managed-by=shapeblock and owned by its App (so it goes
// when the App goes); a Secret of that name that ShapeBlock did not write is
// never taken over. Values are never logged, only keys' counts.
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "agent/messages.hpp"
#include "kube/client.hpp"
#include "kube/informer.hpp"
#include "operator/agent/object_writer.hpp"

namespace sb::op::agent {

class AppSecretWriter {
  public:
    // `managed_secrets`: the Secrets labelled managed-by=shapeblock; `apps`: the App informer.
    AppSecretWriter(kube::Client& client, ObjectWriter& objects, kube::Informer& managed_secrets, kube::Informer& apps)
        : client_(client), objects_(objects), managed_secrets_(managed_secrets), apps_(apps) {}

    // nullopt on success, else the error to ack with.
    kube::Task<std::optional<sb::agent::Error>> write(sb::agent::AppSecret secret);

    // After an App was applied: gives it the Secrets written for it before it
    // existed (the server sends an app's secrets before the App itself).
    kube::Task<void> adopt(std::string ns, std::string app);

  private:
    kube::Client& client_;
    ObjectWriter& objects_;
    kube::Informer& managed_secrets_;
    kube::Informer& apps_;
    // Apps (namespace, name) with a Secret written while the App did not exist yet.
    std::set<std::pair<std::string, std::string>> unowned_;
};

// The Secret object an appSecret stands for; `app` (when it exists) becomes its owner.
boost::json::object app_secret_object(const sb::agent::AppSecret& secret, const boost::json::object* app);

}  // namespace sb::op::agent
