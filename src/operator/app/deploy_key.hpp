#pragma once
// SSH deploy keys for private git repositories: an ed25519 key pair with the
// private key in OpenSSH's own format (what `ssh-keygen -t ed25519` writes,
// unencrypted) and the public key as an authorized_keys line.
#include <string>
#include <string_view>

namespace sb::op {

struct DeployKey {
    std::string private_key_pem;  // -----BEGIN OPENSSH PRIVATE KEY----- ...
    std::string public_key;       // "ssh-ed25519 AAAA... comment"
};

// A fresh key pair from the system's CSPRNG (libsodium).
DeployKey generate_deploy_key(std::string_view comment);

// "shapeblock-<namespace>-<app>".
std::string deploy_key_comment(std::string_view ns, std::string_view app);

// The public key line of an OpenSSH ed25519 private key (as written by
// generate_deploy_key or ssh-keygen, unencrypted), with the key's own
// comment. Throws std::invalid_argument when the text is not such a key.
std::string public_key_from_private(std::string_view private_key_pem);

}  // namespace sb::op
