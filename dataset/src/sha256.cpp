#include "sha256.hpp"

#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace journeysim::dataset {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("cannot start a SHA-256 digest (libcrypto)");
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(impl_->ctx);
}

void Sha256::update(const void* data, std::size_t n) {
  if (n && EVP_DigestUpdate(impl_->ctx, data, n) != 1)
    throw std::runtime_error("SHA-256 update failed (libcrypto)");
}

std::string Sha256::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, md, &len) != 1)
    throw std::runtime_error("SHA-256 final failed (libcrypto)");
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    s += digits[md[i] >> 4];
    s += digits[md[i] & 15];
  }
  return s;
}

FileDigest sha256_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(path + ": cannot open");
  Sha256 h;
  std::vector<unsigned char> buf(1 << 20);
  FileDigest d;
  for (;;) {
    std::size_t n = std::fread(buf.data(), 1, buf.size(), f);
    if (n == 0) break;
    h.update(buf.data(), n);
    d.bytes += n;
  }
  bool err = std::ferror(f);
  std::fclose(f);
  if (err) throw std::runtime_error(path + ": read error");
  d.sha256 = h.hex();
  return d;
}

}  // namespace journeysim::dataset
