// SecretBytes: a buffer for keys and passwords, kept out of swap and core dumps.
//
// Memory comes from sodium_malloc (guard pages, mlock'd), is wiped with
// sodium_memzero before it is freed, and is never copied implicitly. Use it
// for passphrases, passwords, root and derived keys — never std::string.
// Thread-safety: like any value; do not share a mutable instance across
// threads without synchronisation.
#ifndef CUSTOS_VAULT_STORE_SECRET_H_
#define CUSTOS_VAULT_STORE_SECRET_H_

#include <cstddef>
#include <string_view>

namespace custos::vault {

class SecretBytes {
 public:
  SecretBytes() = default;
  // Allocates `size` zeroed bytes. Aborts if secure memory cannot be had
  // (running without it would silently weaken every guarantee).
  explicit SecretBytes(size_t size);
  // Copies `data` into secure memory. The caller wipes its own copy.
  static SecretBytes CopyOf(std::string_view data);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  unsigned char* data() { return data_; }
  const unsigned char* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // A view for passing to crypto primitives; never log or store it.
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(data_), size_);
  }
  // Constant-time comparison.
  bool Equals(const SecretBytes& other) const;

 private:
  void Release();
  unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_SECRET_H_
