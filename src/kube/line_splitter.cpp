#include "kube/line_splitter.hpp"

namespace sb::kube {

void LineSplitter::feed(std::string_view chunk, const std::function<void(std::string_view)>& on_line) {
    while (!chunk.empty()) {
        auto nl = chunk.find('\n');
        if (nl == std::string_view::npos) {
            if (partial_.size() + chunk.size() > max_line_)
                throw std::length_error("stream line longer than " + std::to_string(max_line_) + " bytes");
            partial_.append(chunk);
            return;
        }
        std::string_view line;
        if (partial_.empty()) {
            line = chunk.substr(0, nl);
        } else {
            if (partial_.size() + nl > max_line_)
                throw std::length_error("stream line longer than " + std::to_string(max_line_) + " bytes");
            partial_.append(chunk.substr(0, nl));
            line = partial_;
        }
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) on_line(line);
        partial_.clear();
        chunk.remove_prefix(nl + 1);
    }
    // Do not keep a buffer sized for one huge event forever.
    if (partial_.empty() && partial_.capacity() > 1024 * 1024) partial_.shrink_to_fit();
}

}  // namespace sb::kube
