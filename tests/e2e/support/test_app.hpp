#pragma once
// The test application kept in the e2e git repositories: a Dockerfile FROM
// the node's busybox base image that serves index.html with busybox httpd
// on port 8080.
#include <map>
#include <string>

namespace sb::e2e {

inline constexpr int kTestAppPort = 8080;

inline std::map<std::string, std::string> test_app_files(const std::string& base_image, const std::string& content,
                                                         const std::string& extra_dockerfile_lines = "") {
    return {{"index.html", content + "\n"},
            {"Dockerfile", "FROM " + base_image + "\nCOPY index.html /www/index.html\n" + extra_dockerfile_lines +
                               "CMD busybox httpd -f -p 8080 -h /www\n"}};
}

}  // namespace sb::e2e
