#include "cli/source_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/cli_error.hpp"
#include "cli/ignore_rules.hpp"

namespace sb::cli {

namespace fs = std::filesystem;

namespace {

struct Entry {
    std::string path;  // relative, '/'-separated
    fs::path full;
    enum class Kind { file, directory, link } kind = Kind::file;
};

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Depth first, names in byte order; ignore rules of each directory's
// .gitignore apply from that directory down.
void walk(const fs::path& root, const std::string& relative, IgnoreRules& rules, std::vector<Entry>& out, std::uint64_t& ignored) {
    const fs::path dir = relative.empty() ? root : root / relative;
    if (auto gitignore = dir / ".gitignore"; fs::is_regular_file(fs::symlink_status(gitignore)))
        rules.add_gitignore(read_text(gitignore), relative);
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) names.push_back(it->path().filename().string());
    if (ec) throw CliError(ExitCode::error, "cannot read the directory " + dir.string() + ": " + ec.message());
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        const std::string path = relative.empty() ? name : relative + "/" + name;
        const fs::path full = dir / name;
        const auto status = fs::symlink_status(full, ec);
        if (ec) throw CliError(ExitCode::error, "cannot read " + full.string() + ": " + ec.message());
        const bool is_dir = fs::is_directory(status);
        const bool is_link = fs::is_symlink(status);
        if (!is_dir && !is_link && !fs::is_regular_file(status)) {
            ++ignored;  // sockets, FIFOs, devices: nothing to build from
            continue;
        }
        const bool left_out = rules.ignored(path, is_dir);
        if (is_dir) {
            if (left_out && !rules.may_take_back_inside(path)) {
                ++ignored;
                continue;
            }
            if (!left_out) out.push_back({path, full, Entry::Kind::directory});
            walk(root, path, rules, out, ignored);
            continue;
        }
        if (left_out) {
            ++ignored;
            continue;
        }
        out.push_back({path, full, is_link ? Entry::Kind::link : Entry::Kind::file});
    }
}

std::vector<Entry> collect(const fs::path& dir, std::uint64_t& ignored) {
    std::error_code ec;
    const auto status = fs::status(dir, ec);
    if (ec || !fs::exists(status)) throw CliError(ExitCode::usage, "no directory " + dir.string() + " to push (--path)");
    if (!fs::is_directory(status)) throw CliError(ExitCode::usage, dir.string() + " is not a directory (--path takes the app's directory)");
    IgnoreRules rules;
    if (auto dockerignore = dir / ".dockerignore"; fs::is_regular_file(dockerignore)) rules.add_dockerignore(read_text(dockerignore));
    std::vector<Entry> entries;
    walk(dir, "", rules, entries, ignored);
    // A directory walked only for a .dockerignore exception shows up through its entries.
    if (std::none_of(entries.begin(), entries.end(), [](const Entry& e) { return e.kind != Entry::Kind::directory; }))
        throw CliError(ExitCode::usage, "nothing to push in " + dir.string() + ": it has no files, or every one is ignored (.gitignore, .dockerignore)");
    return entries;
}

void check(archive* a, int status, const std::string& what) {
    if (status < ARCHIVE_WARN) {
        const char* why = archive_error_string(a);
        throw CliError(ExitCode::error, "packing the source failed at " + what + ": " + (why ? why : "unknown error"));
    }
}

}  // namespace

std::vector<std::string> source_entries(const fs::path& dir) {
    std::uint64_t ignored = 0;
    std::vector<std::string> out;
    for (const auto& e : collect(dir, ignored)) out.push_back(e.kind == Entry::Kind::directory ? e.path + "/" : e.path);
    return out;
}

PackedSource pack_source(const fs::path& dir) {
    PackedSource packed;
    const auto entries = collect(dir, packed.ignored);
    packed.file.reset(std::tmpfile());
    if (!packed.file) throw CliError(ExitCode::error, std::string("cannot make a temporary file for the archive: ") + std::strerror(errno));

    std::unique_ptr<archive, decltype(&archive_write_free)> writer(archive_write_new(), archive_write_free);
    archive* a = writer.get();
    check(a, archive_write_add_filter_gzip(a), "gzip");
    check(a, archive_write_set_format_pax_restricted(a), "tar");
    check(a, archive_write_open_FILE(a, packed.file.get()), "the temporary file");
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
    std::array<char, 64 * 1024> buffer;
    for (const auto& e : entries) {
        archive_entry_clear(entry.get());
        archive_entry_set_pathname(entry.get(), e.path.c_str());
        struct stat st{};
        if (::lstat(e.full.c_str(), &st) != 0)
            throw CliError(ExitCode::error, "cannot read " + e.full.string() + ": " + std::strerror(errno));
        archive_entry_set_mtime(entry.get(), st.st_mtime, 0);
        if (e.kind == Entry::Kind::directory) {
            archive_entry_set_filetype(entry.get(), AE_IFDIR);
            archive_entry_set_perm(entry.get(), 0755);
            check(a, archive_write_header(a, entry.get()), e.path);
            continue;
        }
        if (e.kind == Entry::Kind::link) {
            std::error_code ec;
            auto target = fs::read_symlink(e.full, ec);
            if (ec) throw CliError(ExitCode::error, "cannot read the link " + e.full.string() + ": " + ec.message());
            archive_entry_set_filetype(entry.get(), AE_IFLNK);
            archive_entry_set_perm(entry.get(), 0777);
            archive_entry_set_symlink(entry.get(), target.c_str());
            check(a, archive_write_header(a, entry.get()), e.path);
            continue;
        }
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(e.full.c_str(), "rb"), &std::fclose);
        if (!in) throw CliError(ExitCode::error, "cannot read " + e.full.string() + ": " + std::strerror(errno));
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), (st.st_mode & 0111) ? 0755 : 0644);
        archive_entry_set_size(entry.get(), st.st_size);
        check(a, archive_write_header(a, entry.get()), e.path);
        std::uint64_t left = static_cast<std::uint64_t>(st.st_size);
        while (left > 0) {
            const auto n = std::fread(buffer.data(), 1, std::min<std::uint64_t>(buffer.size(), left), in.get());
            if (n == 0) throw CliError(ExitCode::error, e.full.string() + " changed while it was packed; push again");
            if (archive_write_data(a, buffer.data(), n) < 0) check(a, ARCHIVE_FATAL, e.path);
            left -= n;
        }
        ++packed.files;
    }
    check(a, archive_write_close(a), "the end of the archive");
    std::fflush(packed.file.get());
    packed.bytes = static_cast<std::uint64_t>(std::ftell(packed.file.get()));
    std::rewind(packed.file.get());
    return packed;
}

}  // namespace sb::cli
