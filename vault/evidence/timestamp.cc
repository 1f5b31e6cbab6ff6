#include "vault/evidence/timestamp.h"

#include <cstddef>
#include <ctime>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "base/status.h"
#include "base/time.h"
#include "vault/store/crypto.h"

namespace custos::vault::evidence {
namespace {

constexpr size_t kNonceBytes = 8;
// A CA bundle is a few certificates; the system's whole store is ~200 KiB.
constexpr size_t kMaxCaPemBytes = 1 << 20;
// OpenSSL can queue a long trail of errors for one failure (every ASN.1
// template level of a bad DER adds one); people need the first few.
constexpr size_t kMaxOpenSslErrors = 4;

// ---- RAII for OpenSSL objects ----------------------------------------------

template <auto Free>
struct OpenSslFree {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using TsReqPtr = std::unique_ptr<TS_REQ, OpenSslFree<TS_REQ_free>>;
using TsRespPtr = std::unique_ptr<TS_RESP, OpenSslFree<TS_RESP_free>>;
using TsMsgImprintPtr = std::unique_ptr<TS_MSG_IMPRINT, OpenSslFree<TS_MSG_IMPRINT_free>>;
using TsVerifyCtxPtr = std::unique_ptr<TS_VERIFY_CTX, OpenSslFree<TS_VERIFY_CTX_free>>;
using X509AlgorPtr = std::unique_ptr<X509_ALGOR, OpenSslFree<X509_ALGOR_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslFree<ASN1_INTEGER_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslFree<BN_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<X509_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslFree<X509_STORE_free>>;

// A stack that owns its certificates.
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;
// A stack of certificates owned by someone else (PKCS7_get0_signers).
struct X509RefStackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};
using X509RefStackPtr = std::unique_ptr<STACK_OF(X509), X509RefStackFree>;

// ---- errors ----------------------------------------------------------------

// Empties this thread's OpenSSL error queue into text, so that no stale
// error is blamed on a later call. Nothing secret passes through here: the
// inputs are public (a reply, a CA bundle, a checkpoint's hash).
std::string DrainOpenSslErrors() {
  std::string out;
  size_t count = 0;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    if (++count > kMaxOpenSslErrors) continue;
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      out += " (";
      out += data;
      out += ")";
    }
  }
  if (count > kMaxOpenSslErrors) {
    out += "; and " + std::to_string(count - kMaxOpenSslErrors) + " more";
  }
  return out;
}

Status OpenSslStatus(StatusCode code, std::string what) {
  const std::string errors = DrainOpenSslErrors();
  if (!errors.empty()) what += ": " + errors;
  return Status(code, std::move(what));
}

// An allocation or setter failed inside OpenSSL: not the caller's input.
Status OpenSslInternal(std::string_view what) {
  return OpenSslStatus(StatusCode::kInternal, "timestamp: " + std::string(what));
}

Status Refused(std::string what) {
  return OpenSslStatus(StatusCode::kDataLoss, "timestamp refused: " + std::move(what));
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string_view View(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
          static_cast<size_t>(ASN1_STRING_length(s))};
}

// ---- reading the token -----------------------------------------------------

// genTime is a GeneralizedTime "YYYYMMDDHHMMSS[.fff…]Z" (RFC 3161 §2.4.2:
// always UTC). It is rewritten as RFC 3339 so that base/time.h's one parser
// validates the calendar.
Result<UnixMillis> GenTimeMillis(const ASN1_GENERALIZEDTIME* t) {
  const std::string_view s = View(t);
  const Status bad = Status::InvalidArgument("timestamp: genTime '" + std::string(s.substr(0, 40)) +
                                             "' is not YYYYMMDDHHMMSS[.f]Z");
  if (s.size() < 15 || s.back() != 'Z') return bad;
  for (size_t i = 0; i < 14; ++i) {
    if (s[i] < '0' || s[i] > '9') return bad;
  }
  const std::string_view rest = s.substr(14);
  if (rest != "Z") {
    if (rest.size() < 3 || rest[0] != '.') return bad;
    for (char c : rest.substr(1, rest.size() - 2)) {
      if (c < '0' || c > '9') return bad;
    }
  }
  std::string rfc3339;
  rfc3339.append(s.substr(0, 4)).append("-").append(s.substr(4, 2)).append("-");
  rfc3339.append(s.substr(6, 2)).append("T").append(s.substr(8, 2)).append(":");
  rfc3339.append(s.substr(10, 2)).append(":").append(s.substr(12, 2)).append(rest);
  auto ms = ParseRfc3339(rfc3339);
  if (!ms.ok()) return bad;
  return *ms;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

// The TSA's name: a directory name in RFC 2253 order with UTF-8 left as is
// (a Chinese TSA's name stays readable), any other GeneralName as OpenSSL
// prints it ("DNS:tsa.example").
Result<std::string> TsaNameText(const GENERAL_NAME* name) {
  if (name == nullptr) return std::string();
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) return OpenSslInternal("no memory for a BIO");
  if (name->type == GEN_DIRNAME) {
    constexpr unsigned long kFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    if (X509_NAME_print_ex(bio.get(), name->d.directoryName, 0, kFlags) < 0) {
      return OpenSslStatus(StatusCode::kInvalidArgument, "timestamp: unprintable TSA name");
    }
  } else if (GENERAL_NAME_print(bio.get(), const_cast<GENERAL_NAME*>(name)) != 1) {
    return OpenSslStatus(StatusCode::kInvalidArgument, "timestamp: unprintable TSA name");
  }
  return BioText(bio.get());
}

Result<std::string> SerialHex(const ASN1_INTEGER* serial) {
  BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (bn == nullptr) {
    return OpenSslStatus(StatusCode::kInvalidArgument, "timestamp: unreadable serial number");
  }
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr) return OpenSslInternal("no memory for a serial number");
  std::string out(hex);
  OPENSSL_free(hex);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<std::string> OidText(const ASN1_OBJECT* oid) {
  const int n = OBJ_obj2txt(nullptr, 0, oid, /*no_name=*/1);
  if (n <= 0) return OpenSslStatus(StatusCode::kInvalidArgument, "timestamp: unreadable policy");
  std::string out(static_cast<size_t>(n) + 1, '\0');
  OBJ_obj2txt(out.data(), n + 1, oid, 1);
  out.resize(static_cast<size_t>(n));
  return out;
}

// Everything TimestampInfo reports, read before any check so that a reply
// which does not parse is kInvalidArgument whatever else is wrong with it.
Result<TimestampInfo> ReadInfo(TS_TST_INFO* tst) {
  TimestampInfo info;
  const ASN1_GENERALIZEDTIME* gen_time = TS_TST_INFO_get_time(tst);
  const ASN1_INTEGER* serial = TS_TST_INFO_get_serial(tst);
  const ASN1_OBJECT* policy = TS_TST_INFO_get_policy_id(tst);
  if (gen_time == nullptr || serial == nullptr || policy == nullptr) {
    return Status::InvalidArgument("timestamp: TSTInfo lacks genTime, serial or policy");
  }
  CUSTOS_ASSIGN_OR_RETURN(info.gen_time, GenTimeMillis(gen_time));
  CUSTOS_ASSIGN_OR_RETURN(info.tsa_name, TsaNameText(TS_TST_INFO_get_tsa(tst)));
  CUSTOS_ASSIGN_OR_RETURN(info.serial_hex, SerialHex(serial));
  CUSTOS_ASSIGN_OR_RETURN(info.policy_oid, OidText(policy));
  return info;
}

// The PEM certificates of a CA bundle, in a store for chain building.
Result<X509StorePtr> LoadCaStore(std::string_view ca_pem) {
  if (ca_pem.size() > kMaxCaPemBytes) {
    return Status::InvalidArgument("timestamp: CA bundle over " + std::to_string(kMaxCaPemBytes) +
                                   " bytes");
  }
  X509StorePtr store(X509_STORE_new());
  BioPtr bio(BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size())));
  if (store == nullptr || bio == nullptr) return OpenSslInternal("no memory for a CA store");
  int count = 0;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert == nullptr) break;
    if (X509_STORE_add_cert(store.get(), cert.get()) != 1) {
      return OpenSslStatus(
          StatusCode::kInvalidArgument,
          "timestamp: CA certificate " + std::to_string(count + 1) + " cannot be used");
    }
    ++count;
  }
  // The loop ends on "no start line" at the end of the text; anything
  // else is a broken PEM block.
  const unsigned long last = ERR_peek_last_error();
  if (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE) {
    ERR_clear_error();
  }
  if (ERR_peek_error() != 0) {
    return OpenSslStatus(StatusCode::kInvalidArgument,
                         "timestamp: CA bundle has a broken PEM certificate");
  }
  if (count == 0) {
    return Status::InvalidArgument("timestamp: CA bundle holds no PEM certificate");
  }
  return store;
}

// The certificates a token carries, as a store that trusts each of them
// (partial chains allowed): the signature check without a CA.
Result<X509StorePtr> TokenCertStore(PKCS7* token) {
  X509StorePtr store(X509_STORE_new());
  if (store == nullptr) return OpenSslInternal("no memory for a certificate store");
  const STACK_OF(X509)* certs =
      PKCS7_type_is_signed(token) && token->d.sign != nullptr ? token->d.sign->cert : nullptr;
  for (int i = 0; i < sk_X509_num(certs); ++i) {
    // A certificate listed twice is refused by X509_STORE_add_cert; one
    // copy is enough to find the signer.
    if (X509_STORE_add_cert(store.get(), sk_X509_value(certs, i)) != 1) ERR_clear_error();
  }
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  return store;
}

// The CMS signature over TSTInfo, its ESS signing-certificate binding and
// the signer's chain to `store` with the timeStamping purpose (OpenSSL's
// TS_RESP_verify_response). The context takes ownership of `store`.
bool VerifiedByOpenSsl(TS_RESP* response, X509StorePtr store, std::optional<time_t> at) {
  TsVerifyCtxPtr ctx(TS_VERIFY_CTX_new());
  if (ctx == nullptr) return false;
  if (at) X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()), *at);
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_SIGNATURE | TS_VFY_VERSION);
  TS_VERIFY_CTX_set_store(ctx.get(), store.release());
  return TS_RESP_verify_response(ctx.get(), response) == 1;
}

std::string StatusText(TS_STATUS_INFO* status_info) {
  const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(status_info));
  static constexpr const char* kNames[] = {"granted",           "grantedWithMods",
                                           "rejection",         "waiting",
                                           "revocationWarning", "revocationNotification"};
  std::string out = "status " + std::to_string(status);
  if (status >= 0 && status < static_cast<long>(std::size(kNames))) {
    out += std::string(" (") + kNames[status] + ")";
  }
  const STACK_OF(ASN1_UTF8STRING)* text = TS_STATUS_INFO_get0_text(status_info);
  for (int i = 0; i < sk_ASN1_UTF8STRING_num(text) && i < 2; ++i) {
    // The TSA's words, shown to people: control characters are replaced.
    std::string words(View(sk_ASN1_UTF8STRING_value(text, i)).substr(0, 200));
    for (char& c : words) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    out += ", \"" + words + "\"";
  }
  return out;
}

}  // namespace

Result<TimestampRequest> MakeTimestampRequest(std::string_view data) {
  CUSTOS_RETURN_IF_ERROR(InitCrypto());
  ERR_clear_error();
  const std::string digest = Sha256(data);

  X509AlgorPtr algo(X509_ALGOR_new());
  TsMsgImprintPtr imprint(TS_MSG_IMPRINT_new());
  Asn1IntegerPtr nonce(ASN1_INTEGER_new());
  TsReqPtr req(TS_REQ_new());
  if (algo == nullptr || imprint == nullptr || nonce == nullptr || req == nullptr) {
    return OpenSslInternal("no memory for a request");
  }
  // SHA-256 with NULL parameters, as `openssl ts -query -sha256` writes it:
  // the form every TSA has been tested against.
  if (X509_ALGOR_set0(algo.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) != 1 ||
      TS_MSG_IMPRINT_set_algo(imprint.get(), algo.get()) != 1 ||
      TS_MSG_IMPRINT_set_msg(imprint.get(), const_cast<unsigned char*>(Bytes(digest)),
                             static_cast<int>(digest.size())) != 1) {
    return OpenSslInternal("cannot build the message imprint");
  }

  // The top bit is set so that the INTEGER's value is always exactly
  // kNonceBytes bytes (no leading zero to strip): 63 random bits are far
  // more than a replayed reply could guess.
  std::string nonce_bytes = RandomBytes(kNonceBytes);
  nonce_bytes[0] = static_cast<char>(static_cast<unsigned char>(nonce_bytes[0]) | 0x80);
  if (ASN1_STRING_set(nonce.get(), nonce_bytes.data(), static_cast<int>(nonce_bytes.size())) != 1) {
    return OpenSslInternal("cannot build the nonce");
  }

  if (TS_REQ_set_version(req.get(), 1) != 1 ||
      TS_REQ_set_msg_imprint(req.get(), imprint.get()) != 1 ||
      TS_REQ_set_nonce(req.get(), nonce.get()) != 1 || TS_REQ_set_cert_req(req.get(), 1) != 1) {
    return OpenSslInternal("cannot build the request");
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_TS_REQ(req.get(), &der);
  if (der_len <= 0) return OpenSslInternal("cannot encode the request");
  TimestampRequest out;
  out.der.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  out.nonce = std::move(nonce_bytes);
  ERR_clear_error();
  return out;
}

Result<TimestampInfo> CheckTimestampResponse(std::string_view response_der, std::string_view data,
                                             const TimestampRequest* request,
                                             std::string_view ca_pem, TimestampCheckTime when) {
  ERR_clear_error();

  // ---- parse: everything that is the caller's input ----
  const unsigned char* p = Bytes(response_der);
  TsRespPtr response(d2i_TS_RESP(nullptr, &p, static_cast<long>(response_der.size())));
  if (response == nullptr) {
    return OpenSslStatus(StatusCode::kInvalidArgument, "timestamp: not a DER TimeStampResp");
  }
  if (p != Bytes(response_der) + response_der.size()) {
    return Status::InvalidArgument("timestamp: bytes after the DER TimeStampResp");
  }
  X509StorePtr ca_store;
  if (!ca_pem.empty()) {
    CUSTOS_ASSIGN_OR_RETURN(ca_store, LoadCaStore(ca_pem));
  }
  if (request != nullptr && request->nonce.empty()) {
    return Status::InvalidArgument("timestamp: the request has no nonce to check");
  }

  // ---- checks, in order; the first that fails names itself ----
  TS_STATUS_INFO* status_info = TS_RESP_get_status_info(response.get());
  const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(status_info));
  // 0 granted, 1 grantedWithMods (RFC 3161 §2.4.2): both carry a token.
  if (status != 0 && status != 1) {
    return Refused("the TSA did not grant it: " + StatusText(status_info));
  }
  PKCS7* token = TS_RESP_get_token(response.get());
  TS_TST_INFO* tst = TS_RESP_get_tst_info(response.get());
  if (token == nullptr || tst == nullptr) {
    // d2i_TS_RESP refuses a granted reply without a token; kept as a guard.
    return Status::InvalidArgument("timestamp: granted reply without a token");
  }
  CUSTOS_ASSIGN_OR_RETURN(TimestampInfo info, ReadInfo(tst));

  // SECURITY: the algorithm is checked, not only the bytes: a token over
  // another digest of the data would pass OpenSSL's own data check, which
  // hashes with whatever algorithm the token names.
  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(tst);
  const ASN1_OBJECT* algo_oid = nullptr;
  X509_ALGOR_get0(&algo_oid, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(imprint));
  if (OBJ_obj2nid(algo_oid) != NID_sha256) {
    return Refused("the message imprint is not SHA-256");
  }
  if (View(TS_MSG_IMPRINT_get_msg(imprint)) != Sha256(data)) {
    return Refused("the message imprint is not SHA-256 of the data");
  }

  if (request != nullptr) {
    const ASN1_INTEGER* got = TS_TST_INFO_get_nonce(tst);
    if (got == nullptr) return Refused("the reply carries no nonce");
    BignumPtr want(
        BN_bin2bn(Bytes(request->nonce), static_cast<int>(request->nonce.size()), nullptr));
    BignumPtr have(ASN1_INTEGER_to_BN(got, nullptr));
    if (want == nullptr || have == nullptr) return OpenSslInternal("cannot read the nonce");
    if (BN_cmp(want.get(), have.get()) != 0) {
      return Refused("the nonce is not the request's (a reply to another request)");
    }
  }

  // The signature alone first, trusting the certificates the token carries,
  // so that a broken signature and an untrusted TSA are told apart.
  if (PKCS7_type_is_signed(token) == 0) return Refused("the token is not CMS SignedData");
  {
    X509RefStackPtr signers(PKCS7_get0_signers(token, nullptr, 0));
    if (signers == nullptr || sk_X509_num(signers.get()) != 1) {
      return Refused("the token does not carry its signer's certificate");
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(X509StorePtr token_store, TokenCertStore(token));
  // SECURITY: a bundle read years later checks the TSA's certificates as
  // they stood when the token was made (its genTime, the TSA's word, under
  // the signature just checked); an export checks them now.
  const std::optional<time_t> at = when == TimestampCheckTime::kTokenTime
                                       ? std::optional<time_t>(info.gen_time / 1000)
                                       : std::nullopt;
  if (!VerifiedByOpenSsl(response.get(), std::move(token_store), at)) {
    return Refused("the signature does not verify under the token's certificate");
  }
  if (ca_store != nullptr && !VerifiedByOpenSsl(response.get(), std::move(ca_store), at)) {
    return Refused("the TSA certificate does not chain to the given CA with timeStamping use");
  }
  // Chain building may queue errors for paths it tried and dropped.
  ERR_clear_error();
  return info;
}

}  // namespace custos::vault::evidence
