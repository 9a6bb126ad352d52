// sb-e2e-node: inspects or removes what the e2e real node leaves on this
// machine (after a crashed run, or to check a clean teardown by hand).
//   sb-e2e-node leftovers   lists them; exits 1 when there are any
//   sb-e2e-node clean       removes them (takes the node lock first)
#include <iostream>
#include <string>

#include "tests/e2e/support/host_cleanup.hpp"
#include "tests/e2e/support/node_lock.hpp"

int main(int argc, char** argv) {
    const std::string command = argc == 2 ? argv[1] : "";
    try {
        if (command == "leftovers") {
            auto left = sb::e2e::find_node_leftovers();
            for (const auto& item : left) std::cout << item << "\n";
            return left.empty() ? 0 : 1;
        }
        if (command == "clean") {
            sb::e2e::NodeLock lock;
            sb::e2e::remove_node_leftovers();
            return 0;
        }
    } catch (const std::exception& e) {
        std::cerr << "sb-e2e-node: " << e.what() << "\n";
        return 2;
    }
    std::cerr << "usage: sb-e2e-node leftovers|clean\n";
    return 2;
}
