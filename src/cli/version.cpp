#include "cli/version.hpp"

namespace sb::cli {

namespace {
std::string major_of(const std::string& version) { return version.substr(0, version.find('.')); }
}  // namespace

std::string compatibility_warning(const std::string& client, const std::string& server, const std::string& server_api) {
    if (!server_api.empty() && server_api != kApiVersion)
        return "the server speaks API " + server_api + " and this sb speaks " + kApiVersion + ": use an sb of the server's version";
    if (!server.empty() && major_of(server) != major_of(client))
        return "sb " + client + " and server " + server + " differ in major version: some commands may fail; use an sb of the server's version";
    return "";
}

}  // namespace sb::cli
