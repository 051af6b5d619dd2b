// SHA-256 digests (OpenSSL's libcrypto) of the files a dataset's manifest lists.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace journeysim::dataset {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t n);
  std::string hex();  // finishes the digest: lowercase hex, 64 characters

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The digest of a whole file and its size; throws std::runtime_error naming the file.
struct FileDigest {
  std::string sha256;
  std::uint64_t bytes = 0;
};
FileDigest sha256_file(const std::string& path);

}  // namespace journeysim::dataset
