#include "vault/audit/signed_note.h"

#include <cstdio>

#include "base/encoding.h"
#include "base/json.h"
#include "vault/store/crypto.h"

namespace custos::vault::note {

namespace {

constexpr std::string_view kEmDashSpace = "\xE2\x80\x94 ";  // U+2014 then a space

std::string KeyIdBytes(uint32_t id) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((id >> (24 - 8 * i)) & 0xff);
  return out;
}

uint32_t KeyIdFromBytes(std::string_view b) {
  uint32_t id = 0;
  for (int i = 0; i < 4; ++i) id = (id << 8) | static_cast<unsigned char>(b[i]);
  return id;
}

bool IsValidText(std::string_view text) {
  if (text.empty() || text.back() != '\n') return false;
  if (!json::IsValidUtf8(text)) return false;
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

bool IsValidKeyName(std::string_view name) {
  if (name.empty() || !json::IsValidUtf8(name)) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7f || c == '+') return false;
  }
  // No Unicode spaces either (U+0085, U+00A0, U+2000..U+200A, U+2028/9,
  // U+202F, U+205F, U+3000): they would make the signature line ambiguous.
  for (std::string_view bad : {"\xC2\x85", "\xC2\xA0", "\xE2\x80\xA8", "\xE2\x80\xA9",
                               "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"}) {
    if (name.find(bad) != std::string_view::npos) return false;
  }
  for (unsigned char c = 0x80; c <= 0x8A; ++c) {
    std::string sp = "\xE2\x80";
    sp.push_back(static_cast<char>(c));
    if (name.find(sp) != std::string_view::npos) return false;
  }
  return true;
}

uint32_t Ed25519KeyId(std::string_view name, std::string_view public_key) {
  std::string input(name);
  input.push_back('\n');
  input.push_back(static_cast<char>(kAlgEd25519));
  input.append(public_key);
  return KeyIdFromBytes(Sha256(input));
}

std::string FormatVerifierKey(std::string_view name, std::string_view public_key) {
  if (!IsValidKeyName(name)) Die("FormatVerifierKey: invalid key name");
  if (public_key.size() != kEd25519PublicKeySize) Die("FormatVerifierKey: bad key size");
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", Ed25519KeyId(name, public_key));
  std::string key(1, static_cast<char>(kAlgEd25519));
  key.append(public_key);
  return std::string(name) + "+" + hex + "+" + Base64Encode(key);
}

Result<Verifier> ParseVerifierKey(std::string_view vkey) {
  size_t p1 = vkey.find('+');
  if (p1 == std::string_view::npos) return Status::InvalidArgument("malformed verifier key");
  size_t p2 = vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return Status::InvalidArgument("malformed verifier key");
  std::string_view name = vkey.substr(0, p1);
  std::string_view hex = vkey.substr(p1 + 1, p2 - p1 - 1);
  std::string_view b64 = vkey.substr(p2 + 1);
  if (!IsValidKeyName(name) || hex.size() != 8) {
    return Status::InvalidArgument("malformed verifier key");
  }
  auto id_bytes = HexDecode(hex);
  auto key = Base64Decode(b64);
  if (!id_bytes.ok() || !key.ok()) return Status::InvalidArgument("malformed verifier key");
  if (key->size() != 1 + kEd25519PublicKeySize || static_cast<uint8_t>((*key)[0]) != kAlgEd25519) {
    return Status::InvalidArgument("verifier key is not an Ed25519 key");
  }
  Verifier v;
  v.name = std::string(name);
  v.public_key = key->substr(1);
  v.key_id = KeyIdFromBytes(*id_bytes);
  if (v.key_id != Ed25519KeyId(v.name, v.public_key)) {
    return Status::InvalidArgument("verifier key ID does not match its key");
  }
  return v;
}

Result<std::string> Sign(std::string_view text, std::string_view name,
                         const SecretBytes& secret_key, std::string_view public_key) {
  if (!IsValidText(text)) return Status::InvalidArgument("malformed note text");
  if (!IsValidKeyName(name)) return Status::InvalidArgument("invalid key name");
  if (public_key.size() != kEd25519PublicKeySize || secret_key.size() != kEd25519SecretKeySize) {
    return Status::InvalidArgument("bad Ed25519 key size");
  }
  std::string sig = KeyIdBytes(Ed25519KeyId(name, public_key));
  sig.append(Ed25519Sign(secret_key, text));
  std::string out(text);
  out.push_back('\n');
  out.append(kEmDashSpace);
  out.append(name);
  out.push_back(' ');
  out.append(Base64Encode(sig));
  out.push_back('\n');
  return out;
}

Result<Note> Parse(std::string_view note) {
  const Status malformed = Status::InvalidArgument("malformed note");
  if (!json::IsValidUtf8(note)) return malformed;
  // The signature block follows the last blank line.
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return malformed;
  Note out;
  out.text = std::string(note.substr(0, split + 1));
  if (!IsValidText(out.text)) return malformed;
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return malformed;
  while (!sigs.empty()) {
    size_t eol = sigs.find('\n');
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (line.substr(0, kEmDashSpace.size()) != kEmDashSpace) return malformed;
    line.remove_prefix(kEmDashSpace.size());
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return malformed;
    std::string_view name = line.substr(0, sp);
    if (!IsValidKeyName(name)) return malformed;
    auto raw = Base64Decode(line.substr(sp + 1));
    if (!raw.ok() || raw->size() < 5) return malformed;
    Signature s;
    s.name = std::string(name);
    s.key_id = KeyIdFromBytes(*raw);
    s.signature = raw->substr(4);
    out.signatures.push_back(std::move(s));
    if (out.signatures.size() > kMaxSignatures) return malformed;
  }
  return out;
}

Result<std::string> Open(std::string_view note, const Verifier& verifier) {
  CUSTOS_ASSIGN_OR_RETURN(Note n, Parse(note));
  bool found = false;
  for (const Signature& s : n.signatures) {
    if (s.name != verifier.name || s.key_id != verifier.key_id) continue;
    found = true;
    if (s.signature.size() != kEd25519SignatureSize ||
        !Ed25519Verify(verifier.public_key, n.text, s.signature)) {
      return Status::DataLoss("invalid signature for key " + verifier.name);
    }
  }
  if (!found) return Status::NotFound("note has no signature by key " + verifier.name);
  return std::move(n.text);
}

std::string Ed25519PublicKeyPem(std::string_view public_key) {
  // DER SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING key }.
  static constexpr unsigned char kPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                              0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  std::string der(reinterpret_cast<const char*>(kPrefix), sizeof(kPrefix));
  der.append(public_key);
  std::string b64 = Base64Encode(der);
  std::string out = "-----BEGIN PUBLIC KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  out += "-----END PUBLIC KEY-----\n";
  return out;
}

}  // namespace custos::vault::note
