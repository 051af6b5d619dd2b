// Text helpers for error messages about user input.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace journeysim::common {

// Levenshtein distance (insertions, deletions, substitutions all cost 1).
std::size_t edit_distance(const std::string& a, const std::string& b);

// " (did you mean 'x'?)" when the closest of `known` is within max(2, |got| / 3) edits of `got`,
// else "": the one phrasing of a typo hint in every error message.
std::string did_you_mean(const std::string& got, const std::vector<std::string>& known);

// The items separated by `sep`.
// Whether `s` is well-formed UTF-8 (no stray continuation bytes, overlongs, surrogates or
// code points past U+10FFFF); the offset of the first bad byte in *bad when not.
bool is_valid_utf8(const std::string& s, std::size_t* bad = nullptr);

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

}  // namespace journeysim::common
