// Shared by the fuzz targets: a fuzz input written to a file of this process (the readers under
// test take paths), and the rule that an expected error is a std::exception.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace journeysim::fuzz {

// A directory of this process under the system's temporary directory, made once and removed
// at exit.
inline const std::filesystem::path& work_dir() {
  struct Dir {
    std::filesystem::path path;
    Dir()
        : path(std::filesystem::temp_directory_path() /
               ("journeysim-fuzz-" + std::to_string(::getpid()))) {
      std::filesystem::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return dir.path;
}

// Writes `bytes` to work_dir()/name and returns its path.
inline std::string write_file(const std::string& name, std::string_view bytes) {
  const auto path = (work_dir() / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Splits `text` at lines that are exactly `marker` (at most `parts` pieces; the last keeps the
// rest): one fuzz input describes several files.
inline std::vector<std::string_view> split_parts(std::string_view text, std::string_view marker,
                                                 std::size_t parts) {
  std::vector<std::string_view> out;
  std::string sep(1, '\n');  // (not "\n" + marker: GCC 12 warns falsely on that, -Wrestrict)
  sep.append(marker).push_back('\n');
  while (out.size() + 1 < parts) {
    const auto at = text.find(sep);
    if (at == std::string_view::npos) break;
    out.push_back(text.substr(0, at + 1));
    text.remove_prefix(at + sep.size());
  }
  out.push_back(text);
  return out;
}

}  // namespace journeysim::fuzz
