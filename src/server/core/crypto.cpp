#include "server/core/crypto.hpp"

#include "common/base64.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace sb::server::crypto {

void init() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
}

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> buf(bytes);
    randombytes_buf(buf.data(), buf.size());
    std::string out(bytes * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), buf.data(), buf.size());
    out.pop_back();
    return out;
}

std::string new_token(std::string_view prefix) { return std::string(prefix) + "_" + random_hex(32); }

std::string token_hash(std::string_view token) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
    char hex[sizeof(digest) * 2 + 1];
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    return hex;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string new_id() {
    // Within one millisecond the suffix keeps growing (by a random step), so
    // ids made one after another by this process sort in creation order.
    static std::mutex mutex;
    static std::uint64_t last_ms = 0;
    static std::uint32_t last_suffix = 0;
    auto ms = static_cast<std::uint64_t>(now_ms());
    std::uint32_t suffix = randombytes_random();
    {
        std::lock_guard lock(mutex);
        if (ms <= last_ms) {
            ms = last_ms;
            std::uint32_t next = last_suffix + 1 + (suffix & 0xffff);
            if (next <= last_suffix) ++ms;  // the suffix ran out: borrow the next millisecond
            else suffix = next;
        }
        last_ms = ms;
        last_suffix = suffix;
    }
    char id[24];
    std::snprintf(id, sizeof(id), "%012llx%08x", static_cast<unsigned long long>(ms), static_cast<unsigned>(suffix));
    return id;
}

MasterKey parse_master_key(std::string_view base64_text) {
    while (!base64_text.empty() && std::isspace(static_cast<unsigned char>(base64_text.back()))) base64_text.remove_suffix(1);
    auto raw = sb::try_base64_decode(base64_text);
    MasterKey key{};
    if (!raw || raw->size() != key.size())
        throw std::runtime_error("master key must be 32 bytes in base64 (e.g. `head -c32 /dev/urandom | base64`)");
    std::copy(raw->begin(), raw->end(), key.begin());
    return key;
}

MasterKey read_master_key_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read master key file " + path);
    std::stringstream text;
    text << in.rdbuf();
    return parse_master_key(text.str());
}

MasterKey random_master_key() {
    MasterKey key{};
    randombytes_buf(key.data(), key.size());
    return key;
}

void write_master_key_file(const std::string& path, const MasterKey& key) {
    auto target = std::filesystem::path(path);
    auto dir = target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
    std::filesystem::create_directories(dir);
    std::string text = sb::base64_encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size())) + "\n";
    std::string temp = path + ".tmp";
    ::unlink(temp.c_str());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write master key file " + temp + ": " + std::strerror(errno));
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
        ::unlink(temp.c_str());
        throw std::runtime_error("cannot write master key file " + path + ": " + std::strerror(errno));
    }
    // The rename is durable once the directory is synced.
    if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

MasterKey load_or_create_master_key(const std::string& path) {
    if (std::filesystem::exists(path)) return read_master_key_file(path);
    MasterKey key = random_master_key();
    write_master_key_file(path, key);
    return key;
}

std::string SecretBox::seal(std::string_view plaintext) const {
    std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                          plaintext.size(), nonce, key_.data());
    return "v1:" + sb::base64_encode(out);
}

std::string SecretBox::open(std::string_view sealed) const {
    if (!sealed.starts_with("v1:")) throw std::runtime_error("sealed value has an unknown format");
    auto raw = sb::try_base64_decode(sealed.substr(3));
    if (!raw || raw->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        throw std::runtime_error("sealed value is truncated");
    const auto* nonce = reinterpret_cast<const unsigned char*>(raw->data());
    std::string plain(raw->size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), nonce + crypto_secretbox_NONCEBYTES,
                                   raw->size() - crypto_secretbox_NONCEBYTES, nonce, key_.data()) != 0)
        throw std::runtime_error("sealed value cannot be decrypted with this master key");
    return plain;
}

}  // namespace sb::server::crypto
