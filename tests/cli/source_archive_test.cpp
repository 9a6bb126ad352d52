// sb push --path: which files go (the ignore rules of git and docker) and
// the archive they go in, read back with libarchive as the build pod reads it.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "cli/cli_error.hpp"
#include "cli/ignore_rules.hpp"
#include "cli/source_archive.hpp"
#include "tests/support/scratch.hpp"

namespace sb::cli {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

TEST(GlobMatch, FollowsGitAndDockerPatterns) {
    EXPECT_TRUE(glob_match("*.log", "build.log"));
    EXPECT_FALSE(glob_match("*.log", "logs/build.log")) << "* stays within one component";
    EXPECT_TRUE(glob_match("**/*.log", "logs/build.log"));
    EXPECT_TRUE(glob_match("**/*.log", "build.log")) << "** matches no directory too";
    EXPECT_TRUE(glob_match("docs/**", "docs/a/b.md"));
    EXPECT_TRUE(glob_match("a/**/b", "a/b"));
    EXPECT_TRUE(glob_match("a/**/b", "a/x/y/b"));
    EXPECT_TRUE(glob_match("file?.txt", "file1.txt"));
    EXPECT_FALSE(glob_match("file?.txt", "file10.txt"));
    EXPECT_TRUE(glob_match("[abc].txt", "b.txt"));
    EXPECT_FALSE(glob_match("[!abc].txt", "b.txt"));
    EXPECT_TRUE(glob_match("[a-c]x", "bx"));
    EXPECT_TRUE(glob_match("\\*literal", "*literal"));
    EXPECT_FALSE(glob_match("\\*literal", "xliteral"));
}

TEST(IgnoreRules, GitignoreSemantics) {
    IgnoreRules rules;
    rules.add_gitignore("# comment\n\n*.log\n!keep.log\nbuild/\n/only-root.txt\ndocs/*.tmp\n\\#hash\n", "");
    rules.add_gitignore("secret.txt\n", "sub");
    EXPECT_TRUE(rules.ignored("a.log", false));
    EXPECT_TRUE(rules.ignored("deep/dir/a.log", false)) << "a pattern without a slash matches at any depth";
    EXPECT_FALSE(rules.ignored("keep.log", false)) << "! takes a file back";
    EXPECT_TRUE(rules.ignored("build", true));
    EXPECT_FALSE(rules.ignored("build", false)) << "a trailing slash matches directories only";
    EXPECT_TRUE(rules.ignored("only-root.txt", false));
    EXPECT_FALSE(rules.ignored("sub/only-root.txt", false)) << "a leading slash anchors to the .gitignore's directory";
    EXPECT_TRUE(rules.ignored("docs/x.tmp", false));
    EXPECT_FALSE(rules.ignored("docs/deeper/x.tmp", false));
    EXPECT_TRUE(rules.ignored("#hash", false));
    EXPECT_TRUE(rules.ignored("sub/secret.txt", false));
    EXPECT_TRUE(rules.ignored("sub/x/secret.txt", false));
    EXPECT_FALSE(rules.ignored("secret.txt", false)) << "a nested .gitignore rules only below it";
    EXPECT_TRUE(rules.ignored(".git", true));
    EXPECT_TRUE(rules.ignored("vendor/lib/.git", true));
}

TEST(IgnoreRules, DockerignoreSemantics) {
    IgnoreRules rules;
    rules.add_dockerignore("node_modules\n/tmp/\n**/*.pyc\n*.md\n!README.md\n");
    EXPECT_TRUE(rules.ignored("node_modules", true));
    EXPECT_TRUE(rules.ignored("node_modules/x/y.js", false)) << "a directory's pattern covers what is in it";
    EXPECT_FALSE(rules.ignored("src/node_modules", true)) << "dockerignore patterns are relative to the root";
    EXPECT_TRUE(rules.ignored("tmp", true));
    EXPECT_TRUE(rules.ignored("a/b/c.pyc", false));
    EXPECT_TRUE(rules.ignored("CHANGES.md", false));
    EXPECT_FALSE(rules.ignored("README.md", false));
    EXPECT_TRUE(rules.may_take_back_inside("node_modules")) << "an exception may name something inside";
}

class SourceArchive : public ::testing::Test {
protected:
    testenv::ScratchDir scratch_{"sb-source-archive"};
    fs::path dir() const { return scratch_.path() / "app"; }
};

std::map<std::string, std::string> read_back(PackedSource& packed, std::map<std::string, int>* modes = nullptr) {
    std::map<std::string, std::string> out;
    archive* a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    EXPECT_EQ(archive_read_open_FILE(a, packed.file.get()), ARCHIVE_OK);
    archive_entry* entry = nullptr;
    while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
        std::string name = archive_entry_pathname(entry);
        std::string data;
        if (archive_entry_filetype(entry) == AE_IFLNK) data = "-> " + std::string(archive_entry_symlink(entry));
        else if (archive_entry_filetype(entry) == AE_IFDIR) data = "<dir>";
        char buffer[4096];
        for (la_ssize_t n; (n = archive_read_data(a, buffer, sizeof buffer)) > 0;) data.append(buffer, static_cast<std::size_t>(n));
        EXPECT_EQ(archive_entry_uid(entry), 0) << name;
        if (modes) (*modes)[name] = archive_entry_perm(entry);
        out[name] = data;
    }
    archive_read_free(a);
    return out;
}

TEST_F(SourceArchive, PacksWhatTheIgnoreFilesLeaveInNameOrder) {
    write(dir() / "Dockerfile", "FROM busybox\n");
    write(dir() / "app.sh", "#!/bin/sh\necho hi\n");
    fs::permissions(dir() / "app.sh", fs::perms::owner_exec, fs::perm_options::add);
    write(dir() / ".gitignore", "*.log\nbuild/\n");
    write(dir() / ".dockerignore", "secrets.env\n");
    write(dir() / "secrets.env", "TOKEN=x\n");
    write(dir() / "debug.log", "noise\n");
    write(dir() / "build/out.bin", "binary\n");
    write(dir() / "src/main.c", "int main(){}\n");
    write(dir() / "src/.gitignore", "generated.c\n");
    write(dir() / "src/generated.c", "x\n");
    write(dir() / ".git/HEAD", "ref: refs/heads/main\n");
    fs::create_symlink("src/main.c", dir() / "link.c");

    EXPECT_EQ(source_entries(dir()), (std::vector<std::string>{".dockerignore", ".gitignore", "Dockerfile", "app.sh", "link.c",
                                                               "src/", "src/.gitignore", "src/main.c"}));
    auto packed = pack_source(dir());
    EXPECT_EQ(packed.files, 6u);
    EXPECT_EQ(packed.ignored, 5u) << ".git, build/, debug.log, secrets.env, src/generated.c";
    EXPECT_GT(packed.bytes, 0u);
    std::map<std::string, int> modes;
    auto entries = read_back(packed, &modes);
    EXPECT_EQ(entries.at("Dockerfile"), "FROM busybox\n");
    EXPECT_EQ(entries.at("src/main.c"), "int main(){}\n");
    EXPECT_EQ(entries.at("link.c"), "-> src/main.c");
    EXPECT_EQ(entries.at("src/"), "<dir>") << "a directory entry ends in a slash";
    EXPECT_FALSE(entries.contains("secrets.env"));
    EXPECT_FALSE(entries.contains(".git/HEAD"));
    EXPECT_EQ(modes.at("app.sh"), 0755);
    EXPECT_EQ(modes.at("Dockerfile"), 0644);
}

TEST_F(SourceArchive, ADockerignoreExceptionReachesIntoAnIgnoredDirectory) {
    write(dir() / "vendor/a.txt", "a\n");
    write(dir() / "vendor/keep.txt", "keep\n");
    write(dir() / "main.txt", "main\n");
    write(dir() / ".dockerignore", "vendor\n!vendor/keep.txt\n");
    EXPECT_EQ(source_entries(dir()), (std::vector<std::string>{".dockerignore", "main.txt", "vendor/keep.txt"}));
}

TEST_F(SourceArchive, ClearErrorsForAMissingOrEmptyDirectory) {
    try {
        pack_source(dir() / "nope");
        FAIL() << "packed a missing directory";
    } catch (const CliError& e) {
        EXPECT_EQ(e.code(), ExitCode::usage);
        EXPECT_NE(std::string(e.what()).find("no directory"), std::string::npos) << e.what();
    }
    write(dir() / "file.txt", "x");
    try {
        pack_source(dir() / "file.txt");
        FAIL() << "packed a file";
    } catch (const CliError& e) {
        EXPECT_NE(std::string(e.what()).find("is not a directory"), std::string::npos) << e.what();
    }
    write(dir() / ".gitignore", "*\n");
    try {
        pack_source(dir());
        FAIL() << "packed a directory whose files are all ignored";
    } catch (const CliError& e) {
        EXPECT_NE(std::string(e.what()).find("nothing to push"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace sb::cli
