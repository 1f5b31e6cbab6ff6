#include "vault/evidence/internal/bech32.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "vault/store/crypto.h"

namespace custos::vault::evidence::internal {
namespace {

constexpr std::string_view kAlphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr size_t kChecksumChars = 6;

// One step of BIP 173's checksum: the string, as 5-bit values, is a
// polynomial over GF(32) reduced modulo the code's generator.
uint32_t PolymodStep(uint32_t chk, uint32_t value) {
  static constexpr uint32_t kGenerator[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                             0x2a1462b3};
  const uint32_t top = chk >> 25;
  chk = ((chk & 0x1ffffff) << 5) ^ value;
  for (int i = 0; i < 5; ++i) {
    if ((top >> i) & 1) chk ^= kGenerator[i];
  }
  return chk;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The 5-bit value of a data character, or -1.
int AlphabetValue(char c) {
  const size_t at = kAlphabet.find(Lower(c));
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

}  // namespace

Status Bech32Decode(unsigned char* out, size_t out_size, std::string_view hrp,
                    std::string_view text) {
  if (out_size > 0) std::memset(out, 0, out_size);
  bool has_lower = false;
  bool has_upper = false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126) {
      return Status::InvalidArgument("Bech32: a character outside US-ASCII 33-126");
    }
    has_lower = has_lower || (c >= 'a' && c <= 'z');
    has_upper = has_upper || (c >= 'A' && c <= 'Z');
  }
  if (has_lower && has_upper) return Status::InvalidArgument("Bech32: mixed upper and lower case");
  const size_t sep = text.rfind('1');
  if (sep == std::string_view::npos) return Status::InvalidArgument("Bech32: no separator '1'");
  if (sep == 0) return Status::InvalidArgument("Bech32: empty human-readable part");
  const std::string_view got_hrp = text.substr(0, sep);
  bool hrp_matches = got_hrp.size() == hrp.size();
  for (size_t i = 0; hrp_matches && i < hrp.size(); ++i) {
    hrp_matches = Lower(got_hrp[i]) == hrp[i];
  }
  if (!hrp_matches) {
    return Status::InvalidArgument("Bech32: the human-readable part is not '" + std::string(hrp) +
                                   "'");
  }
  // Enough 5-bit groups for out_size bytes; the spare 0–4 bits are padding.
  const size_t data_chars = (out_size * 8 + 4) / 5;
  if (text.size() - sep - 1 != data_chars + kChecksumChars) {
    return Status::InvalidArgument("Bech32: wrong length for a " + std::to_string(out_size) +
                                   "-byte value");
  }

  // The checksum covers the human-readable part expanded (high bits, a
  // zero, low bits), then the data and checksum characters; a valid string
  // leaves exactly 1.
  uint32_t chk = 1;
  for (char c : hrp) chk = PolymodStep(chk, static_cast<unsigned char>(c) >> 5);
  chk = PolymodStep(chk, 0);
  for (char c : hrp) chk = PolymodStep(chk, static_cast<unsigned char>(c) & 31);

  uint32_t acc = 0;  // bits not yet emitted, fewer than 8
  int bits = 0;
  size_t n = 0;
  const size_t data_end = text.size() - kChecksumChars;
  Status status;
  for (size_t i = sep + 1; i < text.size(); ++i) {
    const int v = AlphabetValue(text[i]);
    if (v < 0) {
      status = Status::InvalidArgument("Bech32: a character outside the Bech32 alphabet");
      break;
    }
    chk = PolymodStep(chk, static_cast<uint32_t>(v));
    if (i >= data_end) continue;
    acc = (acc << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = static_cast<unsigned char>(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  if (status.ok() && chk != 1) status = Status::InvalidArgument("Bech32: bad checksum");
  // BIP 173 regrouping without padding: the leftover (< 5) bits must be zero.
  if (status.ok() && acc != 0) status = Status::InvalidArgument("Bech32: non-zero padding bits");
  if (status.ok() && n != out_size) Die("Bech32Decode: length arithmetic is wrong");
  // SECURITY: `out` may be an identity (a secret key) in secure memory; no
  // partial value survives a failure, nor the bits left in `acc`.
  WipeBuffer(&acc, sizeof acc);
  if (!status.ok() && out_size > 0) WipeBuffer(out, out_size);
  return status;
}

}  // namespace custos::vault::evidence::internal
