#include "operator/source/source_unpack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

namespace sb::op::source {

namespace {

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        std::swap(fd_, other.fd_);
        return *this;
    }
    int get() const { return fd_; }

private:
    int fd_;
};

// What an entry's name may show in a message: printable, short.
std::string shown(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return name.size() > 200 ? out + "..." : out;
}

[[noreturn]] void fail(std::string_view entry, const std::string& why) {
    throw UnpackError("archive entry '" + shown(entry) + "': " + why);
}

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        out.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return out;
}

// The directory holding the entry's last component, made where missing;
// never through a symbolic link (O_NOFOLLOW on every step).
Fd open_parent(int root, const std::vector<std::string>& parts, std::string_view entry) {
    Fd current(::dup(root));
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        int next = ::openat(current.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT) {
            if (::mkdirat(current.get(), parts[i].c_str(), 0755) != 0 && errno != EEXIST)
                fail(entry, std::string("cannot make its directory: ") + std::strerror(errno));
            next = ::openat(current.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (next < 0) {
            if (errno == ELOOP || errno == ENOTDIR) fail(entry, "its path goes through a symbolic link or a file");
            fail(entry, std::string("cannot open its directory: ") + std::strerror(errno));
        }
        current = Fd(next);
    }
    return current;
}

// Makes room for a new file or link: what had the name goes, unless it is a directory.
void remove_existing(int dir, const std::string& leaf, std::string_view entry) {
    struct stat st{};
    if (::fstatat(dir, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
    if (S_ISDIR(st.st_mode)) fail(entry, "a directory of that name is already there");
    ::unlinkat(dir, leaf.c_str(), 0);
}

}  // namespace

std::string safe_relative_path(std::string_view entry_path) {
    if (entry_path.empty() || entry_path.size() > 4096 || entry_path.front() == '/') return "";
    std::string out;
    std::size_t start = 0;
    while (start <= entry_path.size()) {
        auto slash = entry_path.find('/', start);
        if (slash == std::string_view::npos) slash = entry_path.size();
        auto part = entry_path.substr(start, slash - start);
        start = slash + 1;
        if (part.empty() || part == ".") continue;
        if (part == ".." || part.find('\0') != std::string_view::npos) return "";
        if (!out.empty()) out += '/';
        out += part;
    }
    return out;
}

UnpackResult unpack_source(int archive_fd, const std::filesystem::path& into, const UnpackLimits& limits) {
    Fd root(::open(into.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (root.get() < 0) throw UnpackError("cannot open " + into.string() + ": " + std::strerror(errno));
    std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
    archive* a = reader.get();
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    auto error_text = [a] {
        const char* e = archive_error_string(a);
        return std::string(e ? e : "unreadable data");
    };
    if (archive_read_open_fd(a, archive_fd, 64 * 1024) != ARCHIVE_OK)
        throw UnpackError("the source is not a tar.gz archive: " + error_text());

    UnpackResult result;
    std::uint64_t entries = 0;
    std::array<char, 64 * 1024> buffer;
    for (;;) {
        archive_entry* entry = nullptr;
        const int status = archive_read_next_header(a, &entry);
        if (status == ARCHIVE_EOF) break;
        if (status < ARCHIVE_WARN) throw UnpackError("the source archive is damaged: " + error_text());
        if (++entries > limits.max_entries)
            throw UnpackError("the source archive holds more than " + std::to_string(limits.max_entries) + " entries");
        const char* raw_name = archive_entry_pathname(entry);
        const std::string name = raw_name ? raw_name : "";
        const auto path = safe_relative_path(name);
        if (path.empty()) {
            if (safe_relative_path(name + "/x") == "x") continue;  // "." or "./": the root itself
            fail(name, "its path leaves the archive's directory");
        }
        if (archive_entry_hardlink(entry)) {
            ++result.skipped;
            continue;
        }
        const auto parts = components(path);
        const auto& leaf = parts.back();
        auto dir = open_parent(root.get(), parts, name);
        switch (archive_entry_filetype(entry)) {
            case AE_IFDIR: {
                if (::mkdirat(dir.get(), leaf.c_str(), 0755) != 0) {
                    struct stat st{};
                    if (errno != EEXIST || ::fstatat(dir.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
                        fail(name, "cannot make the directory");
                }
                ++result.directories;
                break;
            }
            case AE_IFREG: {
                remove_existing(dir.get(), leaf, name);
                const mode_t mode = (archive_entry_perm(entry) & 0111) ? 0755 : 0644;
                Fd file(::openat(dir.get(), leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
                if (file.get() < 0) fail(name, std::string("cannot create the file: ") + std::strerror(errno));
                for (;;) {
                    const auto n = archive_read_data(a, buffer.data(), buffer.size());
                    if (n == 0) break;
                    if (n < 0) fail(name, "its data is damaged: " + error_text());
                    result.bytes += static_cast<std::uint64_t>(n);
                    if (result.bytes > limits.max_bytes)
                        throw UnpackError("the source unpacks to more than " + std::to_string(limits.max_bytes) + " bytes");
                    for (ssize_t written = 0; written < n;) {
                        const auto w = ::write(file.get(), buffer.data() + written, static_cast<std::size_t>(n - written));
                        if (w < 0) fail(name, std::string("cannot write the file: ") + std::strerror(errno));
                        written += w;
                    }
                }
                ::fchmod(file.get(), mode);  // exactly, whatever the umask
                if (archive_entry_mtime_is_set(entry)) {
                    const timespec times[2] = {{0, UTIME_OMIT}, {archive_entry_mtime(entry), 0}};
                    ::futimens(file.get(), times);
                }
                ++result.files;
                break;
            }
            case AE_IFLNK: {
                const char* target = archive_entry_symlink(entry);
                if (!target || !*target) fail(name, "a symbolic link without a target");
                remove_existing(dir.get(), leaf, name);
                if (::symlinkat(target, dir.get(), leaf.c_str()) != 0)
                    fail(name, std::string("cannot make the link: ") + std::strerror(errno));
                ++result.links;
                break;
            }
            default:
                ++result.skipped;  // devices, FIFOs, sockets: nothing a build needs
        }
    }
    return result;
}

}  // namespace sb::op::source
