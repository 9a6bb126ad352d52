// Unpacking an uploaded source in the build pod: what a user's archive may
// and may not do to the workspace (archives made with libarchive here, as
// hostile as a user could make them).
#include "operator/source/source_unpack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/scratch.hpp"

namespace sb::op::source {
namespace {

namespace fs = std::filesystem;

struct Item {
    std::string path;
    enum { file, dir, link, fifo, hardlink } kind = file;
    std::string data;  // file content, link target
    int perm = 0644;
};

// A tar.gz of `items` in a memory file, positioned at its start.
int archive_of(const std::vector<Item>& items) {
    const int fd = ::memfd_create("archive", 0);
    archive* a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    archive_write_open_fd(a, fd);
    for (const auto& item : items) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, item.path.c_str());
        archive_entry_set_perm(e, item.perm);
        switch (item.kind) {
            case Item::file:
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_size(e, static_cast<la_int64_t>(item.data.size()));
                break;
            case Item::dir: archive_entry_set_filetype(e, AE_IFDIR); break;
            case Item::link:
                archive_entry_set_filetype(e, AE_IFLNK);
                archive_entry_set_symlink(e, item.data.c_str());
                break;
            case Item::fifo: archive_entry_set_filetype(e, AE_IFIFO); break;
            case Item::hardlink:
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_hardlink(e, item.data.c_str());
                break;
        }
        archive_write_header(a, e);
        if (item.kind == Item::file) archive_write_data(a, item.data.data(), item.data.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    ::lseek(fd, 0, SEEK_SET);
    return fd;
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class SourceUnpack : public ::testing::Test {
protected:
    void SetUp() override { fs::create_directories(into()); }
    fs::path into() const { return scratch_.path() / "ws" / "src"; }
    fs::path outside() const { return scratch_.path() / "ws"; }
    UnpackResult unpack(const std::vector<Item>& items, UnpackLimits limits = {}) {
        const int fd = archive_of(items);
        struct Close {
            int fd;
            ~Close() { ::close(fd); }
        } close{fd};
        return unpack_source(fd, into(), limits);
    }
    std::string error_of(const std::vector<Item>& items, UnpackLimits limits = {}) {
        try {
            unpack(items, limits);
        } catch (const UnpackError& e) {
            return e.what();
        }
        return "<no error>";
    }
    testenv::ScratchDir scratch_{"sb-unpack"};
};

TEST_F(SourceUnpack, FilesDirectoriesAndLinksLandBelowTheTarget) {
    auto result = unpack({{"./", Item::dir},
                          {"Dockerfile", Item::file, "FROM busybox\n"},
                          {"bin/run", Item::file, "#!/bin/sh\n", 0775},
                          {"deep/er/file.txt", Item::file, "implied directories\n"},
                          {"link", Item::link, "Dockerfile"},
                          {"pipe", Item::fifo}});
    EXPECT_EQ(read(into() / "Dockerfile"), "FROM busybox\n");
    EXPECT_EQ(read(into() / "deep/er/file.txt"), "implied directories\n");
    EXPECT_EQ(fs::read_symlink(into() / "link"), "Dockerfile");
    EXPECT_FALSE(fs::exists(into() / "pipe")) << "special files are skipped";
    struct stat st{};
    ASSERT_EQ(::stat((into() / "bin/run").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755u) << "modes reduced to 0755/0644";
    ASSERT_EQ(::stat((into() / "Dockerfile").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    EXPECT_EQ(result.files, 3u);
    EXPECT_EQ(result.links, 1u);
    EXPECT_EQ(result.skipped, 1u);
}

TEST_F(SourceUnpack, NothingIsWrittenOutsideTheTarget) {
    EXPECT_NE(error_of({{"../escape", Item::file, "x"}}).find("leaves the archive's directory"), std::string::npos);
    EXPECT_NE(error_of({{"a/../../escape", Item::file, "x"}}).find("leaves"), std::string::npos);
    EXPECT_NE(error_of({{"/etc/escape", Item::file, "x"}}).find("leaves"), std::string::npos);
    // A link may point anywhere (the build reads it in its container), but nothing is written through it.
    EXPECT_NE(error_of({{"up", Item::link, ".."}, {"up/escape", Item::file, "x"}}).find("symbolic link"), std::string::npos);
    EXPECT_NE(error_of({{"abs", Item::link, "/tmp"}, {"abs/escape", Item::file, "x"}}).find("symbolic link"), std::string::npos);
    // A later entry replacing a link with a file replaces the link, not its target.
    fs::remove_all(into());
    fs::create_directories(into());
    std::ofstream(outside() / "victim") << "untouched";
    unpack({{"l", Item::link, "../victim"}, {"l", Item::file, "replaced"}});
    EXPECT_EQ(read(outside() / "victim"), "untouched");
    EXPECT_EQ(read(into() / "l"), "replaced");
    EXPECT_FALSE(fs::is_symlink(into() / "l"));
    EXPECT_FALSE(fs::exists(outside() / "escape"));
}

TEST_F(SourceUnpack, HardLinksAreSkippedAndLimitsHold) {
    auto result = unpack({{"a", Item::file, "x"}, {"b", Item::hardlink, "a"}});
    EXPECT_FALSE(fs::exists(into() / "b"));
    EXPECT_EQ(result.skipped, 1u);
    UnpackLimits small;
    small.max_bytes = 10;
    EXPECT_NE(error_of({{"big", Item::file, std::string(11, 'x')}}, small).find("more than 10 bytes"), std::string::npos);
    UnpackLimits few;
    few.max_entries = 2;
    EXPECT_NE(error_of({{"a", Item::file}, {"b", Item::file}, {"c", Item::file}}, few).find("more than 2 entries"), std::string::npos);
}

TEST_F(SourceUnpack, NotATarGzIsRefused) {
    const int fd = ::memfd_create("junk", 0);
    const std::string junk = "definitely not an archive";
    ASSERT_EQ(::write(fd, junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
    ::lseek(fd, 0, SEEK_SET);
    EXPECT_THROW(unpack_source(fd, into()), UnpackError);
    ::close(fd);
}

TEST(SafeRelativePath, CleansOrRefuses) {
    EXPECT_EQ(safe_relative_path("./a//b/"), "a/b");
    EXPECT_EQ(safe_relative_path("a/./b"), "a/b");
    EXPECT_EQ(safe_relative_path("../a"), "");
    EXPECT_EQ(safe_relative_path("a/.."), "");
    EXPECT_EQ(safe_relative_path("/a"), "");
    EXPECT_EQ(safe_relative_path(""), "");
    EXPECT_EQ(safe_relative_path("."), "");
    EXPECT_EQ(safe_relative_path("..."), "...") << "three dots are a name";
}

}  // namespace
}  // namespace sb::op::source
