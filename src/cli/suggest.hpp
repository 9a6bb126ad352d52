#pragma once
// "Did you mean ...?" for unknown commands and flags.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::cli {

// Damerau-Levenshtein (optimal string alignment) distance.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate when it is close enough to be what was meant: at most
// a third of the typed word's length away (at least 1, at most 3), or a
// candidate the word is a prefix of. Ties: the first candidate.
std::optional<std::string> closest(std::string_view typed, const std::vector<std::string>& candidates);

}  // namespace sb::cli
