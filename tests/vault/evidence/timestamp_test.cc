// RFC 3161: requests made here, replies made by `openssl ts -reply` (no
// network), checked by CheckTimestampResponse and, for agreement, by
// `openssl ts -verify`.
#include "vault/evidence/timestamp.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/err.h>

#include "base/time.h"
#include "tests/vault/evidence/test_tsa.h"
#include "vault/store/crypto.h"

namespace custos::vault::evidence {
namespace {

using testing::RunCommand;
using testing::TestTsa;
using testing::WriteFileBytes;

constexpr char kCheckpoint[] =
    "custos.test/vault\n42\nq8m0bqT6Wp3Z1HlsMbJl8pO5vYaqQ4XHjOuMj4xKpAw=\n\n"
    "\xE2\x80\x94 custos.test/vault AbCdEf...\n";

class TimestampTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto tsa = TestTsa::Create();
    ASSERT_TRUE(tsa.ok()) << tsa.status().ToString();
    tsa_ = std::move(tsa).value().release();
  }
  static void TearDownTestSuite() {
    delete tsa_;
    tsa_ = nullptr;
  }

  // A request for `data` and the TSA's reply to it.
  struct Exchange {
    TimestampRequest request;
    std::string reply;
  };
  static Exchange Timestamp(std::string_view data) {
    Exchange e;
    auto request = MakeTimestampRequest(data);
    EXPECT_TRUE(request.ok()) << request.status().ToString();
    if (!request.ok()) return e;
    e.request = *request;
    auto reply = tsa_->Reply(e.request.der);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (reply.ok()) e.reply = *reply;
    return e;
  }

  static void ExpectRefused(const Result<TimestampInfo>& r, StatusCode code,
                            const std::string& words) {
    ASSERT_FALSE(r.ok()) << "accepted; expected: " << words;
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().ToString();
    // Every failure drains what OpenSSL queued, so nothing is blamed on a
    // later call of this thread.
    EXPECT_EQ(ERR_peek_error(), 0ul);
  }

  static TestTsa* tsa_;
};
TestTsa* TimestampTest::tsa_ = nullptr;

TEST_F(TimestampTest, RequestIsSha256WithANonceAndAsksForTheCertificate) {
  auto request = MakeTimestampRequest(kCheckpoint);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  ASSERT_EQ(request->nonce.size(), 8u);
  EXPECT_NE(static_cast<unsigned char>(request->nonce[0]) & 0x80, 0);

  // The reference tool reads it as we mean it.
  const std::string path = tsa_->dir() + "/ours.tsq";
  ASSERT_TRUE(WriteFileBytes(path, request->der).ok());
  const std::string log = path + ".txt";
  ASSERT_TRUE(RunCommand("openssl ts -query -in '" + path + "' -text", log).ok());
  auto text = testing::ReadFileBytes(log);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("Version: 1"), std::string::npos) << *text;
  EXPECT_NE(text->find("Hash Algorithm: sha256"), std::string::npos) << *text;
  EXPECT_NE(text->find("Certificate required: yes"), std::string::npos) << *text;
  EXPECT_EQ(text->find("Nonce: unspecified"), std::string::npos) << *text;

  auto again = MakeTimestampRequest(kCheckpoint);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->nonce, request->nonce);
  EXPECT_NE(again->der, request->der);
}

TEST_F(TimestampTest, GrantedReplyPassesWithTheCaAndWithout) {
  const UnixMillis before = NowMillis();
  Exchange e = Timestamp(kCheckpoint);
  const UnixMillis after = NowMillis();
  ASSERT_FALSE(e.reply.empty());

  auto info = CheckTimestampResponse(e.reply, kCheckpoint, &e.request, tsa_->ca_pem());
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  // genTime has millisecond precision (clock_precision_digits = 3) and
  // comes from this machine's clock, via the openssl process.
  EXPECT_GE(info->gen_time, before - 1000);
  EXPECT_LE(info->gen_time, after + 1000);
  EXPECT_NE(info->tsa_name.find(std::string("CN=") + TestTsa::kTsaCommonName), std::string::npos)
      << info->tsa_name;
  EXPECT_EQ(info->policy_oid, TestTsa::kPolicyOid);
  EXPECT_FALSE(info->serial_hex.empty());
  EXPECT_EQ(info->serial_hex.find_first_not_of("0123456789abcdef"), std::string::npos);

  // Without the request (a bundle keeps only the reply) and without a CA
  // (the signature alone).
  EXPECT_EQ(ERR_peek_error(), 0ul);
  auto bare = CheckTimestampResponse(e.reply, kCheckpoint, nullptr, "");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(ERR_peek_error(), 0ul);
  EXPECT_EQ(bare->gen_time, info->gen_time);
  EXPECT_EQ(bare->serial_hex, info->serial_hex);

  // Each token has its own serial number.
  Exchange second = Timestamp(kCheckpoint);
  auto info2 = CheckTimestampResponse(second.reply, kCheckpoint, &second.request, tsa_->ca_pem());
  ASSERT_TRUE(info2.ok()) << info2.status().ToString();
  EXPECT_NE(info2->serial_hex, info->serial_hex);
}

TEST_F(TimestampTest, OpensslVerifiesWhatWeAccept) {
  Exchange e = Timestamp(kCheckpoint);
  ASSERT_TRUE(CheckTimestampResponse(e.reply, kCheckpoint, &e.request, tsa_->ca_pem()).ok());
  Status s = tsa_->OpensslVerify(kCheckpoint, e.reply);
  EXPECT_TRUE(s.ok()) << s.ToString();
  // ... and refuses what we refuse.
  EXPECT_FALSE(tsa_->OpensslVerify("other data", e.reply).ok());
  EXPECT_FALSE(tsa_->OpensslVerify(kCheckpoint, e.reply, tsa_->other_ca_path()).ok());
}

TEST_F(TimestampTest, OtherDataIsDataLoss) {
  Exchange e = Timestamp(kCheckpoint);
  std::string changed = kCheckpoint;
  changed[19] = '3';  // tree size 42 → 43
  ExpectRefused(CheckTimestampResponse(e.reply, changed, &e.request, tsa_->ca_pem()),
                StatusCode::kDataLoss, "imprint");
  ExpectRefused(CheckTimestampResponse(e.reply, "", nullptr, ""), StatusCode::kDataLoss, "imprint");
}

TEST_F(TimestampTest, ReplyToAnotherRequestIsDataLoss) {
  Exchange first = Timestamp(kCheckpoint);
  Exchange second = Timestamp(kCheckpoint);
  // Same data, so only the nonce tells a replayed reply from the fresh one.
  ExpectRefused(CheckTimestampResponse(second.reply, kCheckpoint, &first.request, tsa_->ca_pem()),
                StatusCode::kDataLoss, "nonce");
  // A reply without a nonce cannot answer a request that had one.
  auto query = tsa_->OpensslQuery(kCheckpoint, "-sha256 -cert -no_nonce");
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  auto reply = tsa_->Reply(*query);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ExpectRefused(CheckTimestampResponse(*reply, kCheckpoint, &first.request, tsa_->ca_pem()),
                StatusCode::kDataLoss, "no nonce");
  EXPECT_TRUE(CheckTimestampResponse(*reply, kCheckpoint, nullptr, tsa_->ca_pem()).ok());
}

TEST_F(TimestampTest, UnrelatedCaIsDataLoss) {
  Exchange e = Timestamp(kCheckpoint);
  ExpectRefused(CheckTimestampResponse(e.reply, kCheckpoint, &e.request, tsa_->other_ca_pem()),
                StatusCode::kDataLoss, "chain");
  // The right CA anywhere in a bundle is enough.
  EXPECT_TRUE(CheckTimestampResponse(e.reply, kCheckpoint, &e.request,
                                     tsa_->other_ca_pem() + tsa_->ca_pem())
                  .ok());
}

TEST_F(TimestampTest, FlippedBytesAreRefused) {
  Exchange e = Timestamp(kCheckpoint);
  auto good = CheckTimestampResponse(e.reply, kCheckpoint, &e.request, tsa_->ca_pem());
  ASSERT_TRUE(good.ok()) << good.status().ToString();

  // In the signed TSTInfo: a digit of genTime.
  std::string digits = FormatRfc3339Millis(good->gen_time).substr(0, 19);
  std::erase_if(digits, [](char c) { return c < '0' || c > '9'; });
  const size_t at = e.reply.find(digits);
  ASSERT_NE(at, std::string::npos);
  std::string tampered = e.reply;
  tampered[at + 13] ^= 0x01;  // a second's last digit, still a valid time
  ExpectRefused(CheckTimestampResponse(tampered, kCheckpoint, &e.request, tsa_->ca_pem()),
                StatusCode::kDataLoss, "signature");
  ExpectRefused(CheckTimestampResponse(tampered, kCheckpoint, nullptr, ""), StatusCode::kDataLoss,
                "signature");

  // In the signature value: the reply ends with it (no unsigned attributes).
  tampered = e.reply;
  tampered.back() ^= 0x01;
  ExpectRefused(CheckTimestampResponse(tampered, kCheckpoint, &e.request, tsa_->ca_pem()),
                StatusCode::kDataLoss, "signature");

  // Every byte: a flip is refused, or it lands where it changes nothing
  // the token asserts: outside what is signed (the SignedData version, the
  // SignerInfo's issuer name, whose letters compare case-insensitively) or
  // on tag bits OpenSSL's decoder tolerates and its re-encoding restores.
  // About 40 of 1,600 bytes here.
  size_t refused = 0;
  for (size_t i = 0; i < e.reply.size(); ++i) {
    tampered = e.reply;
    tampered[i] ^= 0x20;
    auto r = CheckTimestampResponse(tampered, kCheckpoint, &e.request, tsa_->ca_pem());
    if (!r.ok()) {
      ++refused;
      EXPECT_TRUE(r.status().code() == StatusCode::kDataLoss ||
                  r.status().code() == StatusCode::kInvalidArgument)
          << i << ": " << r.status().ToString();
      continue;
    }
    EXPECT_EQ(r->gen_time, good->gen_time) << i;
    EXPECT_EQ(r->serial_hex, good->serial_hex) << i;
    EXPECT_EQ(r->tsa_name, good->tsa_name) << i;
    EXPECT_EQ(r->policy_oid, good->policy_oid) << i;
  }
  EXPECT_GT(refused, e.reply.size() * 9 / 10) << refused << " of " << e.reply.size();
  EXPECT_EQ(ERR_peek_error(), 0ul);
}

TEST_F(TimestampTest, RejectionIsDataLoss) {
  // The TSA accepts SHA-2 imprints only: it answers a SHA-1 query with
  // status rejection (badAlg).
  auto query = tsa_->OpensslQuery(kCheckpoint, "-sha1 -cert");
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  auto reply = tsa_->Reply(*query);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ExpectRefused(CheckTimestampResponse(*reply, kCheckpoint, nullptr, tsa_->ca_pem()),
                StatusCode::kDataLoss, "did not grant");
}

TEST_F(TimestampTest, ImprintOfAnotherDigestIsDataLoss) {
  // A genuine token over SHA-512(data): OpenSSL's own data check would
  // pass it; ours insists on SHA-256.
  auto query = tsa_->OpensslQuery(kCheckpoint, "-sha512 -cert");
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  auto reply = tsa_->Reply(*query);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ASSERT_TRUE(tsa_->OpensslVerify(kCheckpoint, *reply).ok());
  ExpectRefused(CheckTimestampResponse(*reply, kCheckpoint, nullptr, tsa_->ca_pem()),
                StatusCode::kDataLoss, "not SHA-256");
}

TEST_F(TimestampTest, TokenWithoutItsCertificateIsDataLoss) {
  auto query = tsa_->OpensslQuery(kCheckpoint, "-sha256");  // certReq false
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  auto reply = tsa_->Reply(*query);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ExpectRefused(CheckTimestampResponse(*reply, kCheckpoint, nullptr, tsa_->ca_pem()),
                StatusCode::kDataLoss, "certificate");
}

TEST_F(TimestampTest, ReferenceToolsRequestPasses) {
  auto query = tsa_->OpensslQuery(kCheckpoint, "-sha256 -cert");
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  auto reply = tsa_->Reply(*query);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  auto info = CheckTimestampResponse(*reply, kCheckpoint, nullptr, tsa_->ca_pem());
  EXPECT_TRUE(info.ok()) << info.status().ToString();
}

TEST_F(TimestampTest, GarbageIsInvalidArgument) {
  Exchange e = Timestamp(kCheckpoint);
  const std::vector<std::string> inputs = {
      "",
      "not a reply",
      std::string("\x30\x00", 2),
      std::string("\x30\x80\x00\x00", 4),
      RandomBytes(1000),
      e.reply.substr(0, e.reply.size() / 2),
      e.reply.substr(0, e.reply.size() - 1),
      e.reply + '\0',
      e.request.der,  // a request is not a reply
  };
  for (const std::string& input : inputs) {
    ExpectRefused(CheckTimestampResponse(input, kCheckpoint, &e.request, tsa_->ca_pem()),
                  StatusCode::kInvalidArgument, "timestamp");
  }
}

TEST_F(TimestampTest, BadArgumentsAreInvalidArgument) {
  Exchange e = Timestamp(kCheckpoint);
  ExpectRefused(CheckTimestampResponse(e.reply, kCheckpoint, &e.request, "no PEM here"),
                StatusCode::kInvalidArgument, "no PEM certificate");
  ExpectRefused(
      CheckTimestampResponse(e.reply, kCheckpoint, &e.request,
                             "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
      StatusCode::kInvalidArgument, "broken PEM");
  TimestampRequest no_nonce = e.request;
  no_nonce.nonce.clear();
  ExpectRefused(CheckTimestampResponse(e.reply, kCheckpoint, &no_nonce, ""),
                StatusCode::kInvalidArgument, "no nonce");
}

}  // namespace
}  // namespace custos::vault::evidence
