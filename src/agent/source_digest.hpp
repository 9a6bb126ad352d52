#pragma once
// The name of an uploaded source archive: "sha256:" and the hex SHA-256 of
// its bytes, computed piece by piece as they pass (the server as it relays
// an upload, the operator as it stores it, the build pod as it fetches it),
// so no end holds the whole archive to name it.
#include <memory>
#include <string>
#include <string_view>

namespace sb::agent {

class SourceDigest {
public:
    SourceDigest();
    ~SourceDigest();
    SourceDigest(SourceDigest&&) noexcept;
    SourceDigest& operator=(SourceDigest&&) noexcept;

    void update(std::string_view bytes);
    // "sha256:<64 lower-case hex>" of everything updated so far; the digest
    // then starts again from nothing.
    std::string finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace sb::agent
