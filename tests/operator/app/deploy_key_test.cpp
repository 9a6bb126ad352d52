#include "operator/app/deploy_key.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base64.hpp"

using namespace sb::op;


TEST(DeployKey, PublicKeyLineHasTheOpenSshWireFormat) {
    auto key = generate_deploy_key(deploy_key_comment("shop", "web"));
    std::istringstream line(key.public_key);
    std::string type, blob64, comment;
    line >> type >> blob64 >> comment;
    EXPECT_EQ(type, "ssh-ed25519");
    EXPECT_EQ(comment, "shapeblock-shop-web");
    auto blob = sb::base64_decode(blob64);
    // string "ssh-ed25519" (4 + 11) + string key (4 + 32)
    ASSERT_EQ(blob.size(), 51u);
    EXPECT_EQ(blob.substr(0, 15), std::string("\0\0\0\x0bssh-ed25519", 15));
    EXPECT_EQ(blob.substr(15, 4), std::string("\0\0\0\x20", 4));
}

TEST(DeployKey, PrivateKeyIsOpenSshPemAndMatchesThePublicKey) {
    auto key = generate_deploy_key("c");
    EXPECT_TRUE(key.private_key_pem.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"));
    EXPECT_TRUE(key.private_key_pem.ends_with("-----END OPENSSH PRIVATE KEY-----\n"));
    EXPECT_EQ(public_key_from_private(key.private_key_pem), key.public_key);
    EXPECT_EQ(key.private_key_pem.find(key.public_key), std::string::npos);
}

TEST(DeployKey, KeysDiffer) {
    EXPECT_NE(generate_deploy_key("c").public_key, generate_deploy_key("c").public_key);
}

TEST(DeployKey, RejectsOtherText) {
    EXPECT_THROW(public_key_from_private("hello"), std::invalid_argument);
    EXPECT_THROW(public_key_from_private("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"),
                 std::invalid_argument);
}

// The real ssh-keygen must read our private key and derive the same public key.
TEST(DeployKey, SshKeygenAcceptsTheKey) {
    if (!std::filesystem::exists("/usr/bin/ssh-keygen")) GTEST_SKIP() << "ssh-keygen not installed";
    auto key = generate_deploy_key("shapeblock-shop-web");
    auto dir = std::filesystem::temp_directory_path() / ("sb-deploy-key-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto file = dir / "id_ed25519";
    {
        std::ofstream out(file);
        out << key.private_key_pem;
    }
    std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto command = "/usr/bin/ssh-keygen -y -f " + file.string() + " 2>&1";
    std::string output;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buf[512];
        while (auto n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
        EXPECT_EQ(::pclose(pipe), 0) << output;
    }
    std::filesystem::remove_all(dir);
    // ssh-keygen -y prints "type base64 comment".
    EXPECT_EQ(output, key.public_key + "\n");
}
