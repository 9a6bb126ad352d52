#include "tests/e2e/support/host_cleanup.hpp"

#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/e2e/support/node_layout.hpp"

namespace sb::e2e {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool under(std::string_view path, std::string_view dir) {
    return path == dir || (starts_with(path, dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

std::vector<std::string> owned_paths() {
    std::vector<std::string> paths;
    std::ifstream in{std::string(layout::kOwnedPathsFile)};
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) paths.push_back(line);
    return paths;
}

// Mount points of the node: container root filesystems and pod network
// namespaces (under the run directory), kubelet volumes, the namespace file.
std::vector<std::string> node_mounts() {
    std::vector<std::string> mounts;
    std::istringstream in(slurp("/proc/self/mountinfo"));
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string id, parent, dev, root, mount_point;
        fields >> id >> parent >> dev >> root >> mount_point;
        if (under(mount_point, layout::kRunDir) || under(mount_point, layout::kVarDir) ||
            under(mount_point, "/var/lib/kubelet") || mount_point == layout::kNetnsFile)
            mounts.push_back(mount_point);
    }
    // Deepest first.
    std::sort(mounts.begin(), mounts.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    mounts.erase(std::unique(mounts.begin(), mounts.end()), mounts.end());
    return mounts;
}

std::vector<fs::path> pod_cgroups() {
    std::vector<fs::path> roots;
    std::error_code ec;
    for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ec)) {
        fs::path root = hierarchy.path() / std::string(layout::kPodCgroup);
        if (fs::is_directory(root, ec)) roots.push_back(root);
    }
    return roots;
}

ino_t netns_inode(const std::string& file) {
    struct stat st {};
    return stat(file.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::string process_name(pid_t pid) {
    std::string comm = slurp("/proc/" + std::to_string(pid) + "/comm");
    if (!comm.empty() && comm.back() == '\n') comm.pop_back();
    return comm;
}

// Processes of the node: anything in its network namespace, any containerd
// shim serving its containerd, anything in kubelet's pod cgroups.
std::set<pid_t> node_processes() {
    std::set<pid_t> pids;
    const pid_t self = getpid();
    const ino_t netns = netns_inode(std::string(layout::kNetnsFile));
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
        const pid_t pid = std::stoi(name);
        if (pid == self) continue;
        if (netns != 0 && netns_inode("/proc/" + name + "/ns/net") == netns) {
            pids.insert(pid);
            continue;
        }
        std::string cmdline = slurp(entry.path() / "cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        if (cmdline.find("containerd-shim") != std::string::npos &&
            cmdline.find(std::string(layout::kRunDir) + "/") != std::string::npos)
            pids.insert(pid);
    }
    for (const auto& root : pod_cgroups()) {
        for (const auto& entry : fs::recursive_directory_iterator(root, ec)) {
            if (entry.path().filename() != "cgroup.procs") continue;
            std::istringstream procs(slurp(entry.path()));
            for (pid_t pid; procs >> pid;)
                if (pid != self) pids.insert(pid);
        }
    }
    return pids;
}

void remove_cgroup_tree(const fs::path& root) {
    std::error_code ec;
    std::vector<fs::path> dirs;
    for (const auto& entry : fs::recursive_directory_iterator(root, ec))
        if (entry.is_directory(ec)) dirs.push_back(entry.path());
    std::sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) { return a.native().size() > b.native().size(); });
    for (const auto& dir : dirs) rmdir(dir.c_str());
    rmdir(root.c_str());
}

}  // namespace

std::vector<std::string> find_node_leftovers() {
    std::vector<std::string> found;
    for (pid_t pid : node_processes())
        found.push_back("process " + std::to_string(pid) + " (" + process_name(pid) + ")");
    for (const auto& mount : node_mounts()) found.push_back("mount " + mount);
    for (const auto& cgroup : pod_cgroups()) found.push_back("cgroup " + cgroup.string());
    std::error_code ec;
    for (std::string_view path : {layout::kNetnsFile, layout::kRunDir, layout::kVarDir, layout::kOwnedPathsFile})
        if (fs::exists(path, ec)) found.push_back("path " + std::string(path));
    for (const auto& path : owned_paths())
        if (fs::exists(path, ec)) found.push_back("path " + path);
    return found;
}

void remove_node_leftovers() {
    // Processes first: they hold mounts, cgroups and the namespace.
    for (int round = 0; round < 50; ++round) {
        auto pids = node_processes();
        if (pids.empty()) break;
        for (pid_t pid : pids) ::kill(pid, SIGKILL);
        std::this_thread::sleep_for(100ms);
    }
    for (const auto& mount : node_mounts()) umount2(mount.c_str(), MNT_DETACH);
    for (int round = 0; round < 50 && !pod_cgroups().empty(); ++round) {
        for (const auto& root : pod_cgroups()) remove_cgroup_tree(root);
        if (!pod_cgroups().empty()) std::this_thread::sleep_for(100ms);
    }
    std::error_code ec;
    fs::remove(layout::kNetnsFile, ec);
    for (std::string_view path : {layout::kRunDir, layout::kVarDir}) fs::remove_all(path, ec);
    // Owned paths: remove deepest first, and /run/netns only when empty
    // (other tools may have put namespaces there since).
    auto paths = owned_paths();
    std::sort(paths.begin(), paths.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& path : paths) {
        if (path == "/run/netns")
            fs::remove(path, ec);
        else
            fs::remove_all(path, ec);
    }
    fs::remove(layout::kOwnedPathsFile, ec);

    auto left = find_node_leftovers();
    // /run/netns holding someone else's namespaces is not ours to remove.
    std::erase_if(left, [](const std::string& s) { return s == "path /run/netns" && !fs::is_empty("/run/netns"); });
    if (!left.empty()) {
        std::string message = "cannot remove the e2e node's leftovers:";
        for (const auto& item : left) message += "\n  " + item;
        throw std::runtime_error(message);
    }
}

void claim_host_paths() {
    std::error_code ec;
    if (fs::exists("/var/lib/kubelet", ec))
        throw std::runtime_error(
            "/var/lib/kubelet exists and was not made by the e2e node: a real kubelet seems to use this machine; "
            "the e2e node cannot run here");
    std::ofstream out{std::string(layout::kOwnedPathsFile), std::ios::trunc};
    for (std::string_view path : layout::kFixedHostPaths)
        if (!fs::exists(path, ec)) out << path << "\n";
    out.close();
    if (!out) throw std::runtime_error("cannot write " + std::string(layout::kOwnedPathsFile));
    fs::create_directories(layout::kRunDir);
    fs::create_directories(layout::kVarDir);
}

}  // namespace sb::e2e
