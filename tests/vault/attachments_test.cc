#include "vault/records/attachments.h"

#include <chrono>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "policy/rules.h"
#include "tests/vault/records_fixture.h"
#include "vault/store/crypto.h"
#include "vault/store/sealed_stream.h"

namespace custos::vault {
namespace {

class AttachTest : public testing::ArchiveTest {
 protected:
  void SetUp() override {
    ArchiveTest::SetUp();
    record_ = MakeRecord(policy::Classification::kInternal);
  }

  // A deterministic pseudo-random payload.
  static std::string Payload(size_t n) {
    std::string s(n, '\0');
    uint32_t x = 12345;
    for (size_t i = 0; i < n; ++i) {
      x = x * 1103515245 + 12345;
      s[i] = static_cast<char>(x >> 24);
    }
    return s;
  }

  Result<AttachmentInfo> Add(const std::string& data, uint32_t chunk = 64 * 1024) {
    std::istringstream in(data);
    AttachmentOptions o;
    o.chunk_size = chunk;
    o.chunks_per_write = 8;
    return AddAttachment(*archive_, As(author_), record_.id, "报价单.pdf", "application/pdf", in,
                         "上传报价单", o);
  }

  Result<std::string> Read(const std::string& id) {
    CUSTOS_ASSIGN_OR_RETURN(ViewResult v, archive_->View(As(author_), record_.id, "查看附件"));
    std::ostringstream out;
    CUSTOS_RETURN_IF_ERROR(ReadAttachment(*archive_, As(author_), *v.permit, id, out));
    return out.str();
  }

  std::string ChunkKey(const std::string& id, uint32_t i) {
    std::string k = id;
    k.push_back('\0');
    return k + EncodeU32(i);
  }

  std::string GetChunk(const std::string& id, uint32_t i) {
    auto r = vault_->BeginRead();
    return *(*r)->Get(tables::kAttachmentChunks, ChunkKey(id, i));
  }

  void PutChunk(const std::string& id, uint32_t i, const std::string& value) {
    ASSERT_TRUE(vault_
                    ->Write([&](WriteTxn& w) {
                      return w.Put(tables::kAttachmentChunks, ChunkKey(id, i), value);
                    })
                    .ok());
  }

  RecordMeta record_;
};

TEST_F(AttachTest, RoundTripMultiMegabyteStream) {
  const std::string data = Payload(5 * 1024 * 1024 + 123);
  auto info = Add(data);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, data.size());
  EXPECT_EQ(info->sha256, HexEncode(Sha256(data)));
  EXPECT_EQ(info->chunks, 81u);
  {
    auto r = vault_->BeginRead();
    auto list = ListAttachments(**r, record_.id);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].filename, "报价单.pdf");
    // The stored chunk is not the plaintext.
    std::string c0 = *(*r)->Get(tables::kAttachmentChunks, ChunkKey(info->id, 0));
    EXPECT_EQ(c0.find(data.substr(0, 64)), std::string::npos);
  }
  auto back = Read(info->id);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == data);
}

TEST_F(AttachTest, EmptyAndExactMultipleSizes) {
  for (size_t n : {size_t{0}, size_t{4096}, size_t{3 * 4096}}) {
    const std::string data = Payload(n);
    auto info = Add(data, 4096);
    ASSERT_TRUE(info.ok());
    auto back = Read(info->id);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, data);
  }
}

TEST_F(AttachTest, TamperedChunkIsDataLoss) {
  auto info = Add(Payload(40000), 4096);
  ASSERT_TRUE(info.ok());
  std::string c = GetChunk(info->id, 3);
  c[10] ^= 0x01;
  PutChunk(info->id, 3, c);
  EXPECT_EQ(Read(info->id).status().code(), StatusCode::kDataLoss);
}

TEST_F(AttachTest, ReorderedChunksAreDataLoss) {
  auto info = Add(Payload(40000), 4096);
  ASSERT_TRUE(info.ok());
  std::string c1 = GetChunk(info->id, 1);
  std::string c2 = GetChunk(info->id, 2);
  PutChunk(info->id, 1, c2);
  PutChunk(info->id, 2, c1);
  EXPECT_EQ(Read(info->id).status().code(), StatusCode::kDataLoss);
}

TEST_F(AttachTest, TruncatedStreamIsDataLoss) {
  auto info = Add(Payload(40000), 4096);
  ASSERT_TRUE(info.ok());
  const uint32_t last = info->chunks - 1;
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) {
                    return w.Delete(tables::kAttachmentChunks, ChunkKey(info->id, last));
                  })
                  .ok());
  EXPECT_EQ(Read(info->id).status().code(), StatusCode::kDataLoss);
  // Cutting a chunk short fails too.
  std::string c = GetChunk(info->id, 0);
  PutChunk(info->id, 0, c.substr(0, c.size() - 100));
  EXPECT_EQ(Read(info->id).status().code(), StatusCode::kDataLoss);
}

TEST_F(AttachTest, OnlyOwnerAddsAndPermitMustMatch) {
  std::istringstream in("x");
  auto denied =
      AddAttachment(*archive_, As(borrower_), record_.id, "a.txt", "text/plain", in, "上传");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  auto info = Add("secret terms");
  ASSERT_TRUE(info.ok());
  RecordMeta other = MakeRecord(policy::Classification::kInternal, "别的客户");
  auto v = archive_->View(As(author_), other.id, "查看");
  ASSERT_TRUE(v.ok());
  std::ostringstream out;
  EXPECT_EQ(ReadAttachment(*archive_, As(author_), *v->permit, info->id, out).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(ReadAttachment(*archive_, As(borrower_), *v->permit, info->id, out).code(),
            StatusCode::kPermissionDenied);
  auto r = vault_->BeginRead();
  EXPECT_EQ(ListAttachments(**r, record_.id)->size(), 1u);
  EXPECT_EQ(*(*r)->Count(tables::kAttachmentChunks), 1u);  // the denied ingest left nothing
}

// A process killed half-way through an upload leaves stored chunks that
// nothing names; the next `serve` deletes them and nothing else.
TEST_F(AttachTest, AbandonedStreamsAreSweptAndCommittedOnesKept) {
  const std::string kept_data = Payload(5 * 1024);
  auto kept = Add(kept_data, 1024);  // 5 chunks, stored in batches of 8: flushed and committed
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  auto big = Add(Payload(40 * 1024), 1024);  // several batches before the commit
  ASSERT_TRUE(big.ok()) << big.status().ToString();

  auto count = [&](const std::string& id) {
    size_t n = 0;
    auto r = vault_->BeginRead();
    EXPECT_TRUE((*r)->ScanKeys(tables::kAttachmentChunks, id + std::string(1, '\0'),
                               [&](std::string_view) -> Result<bool> {
                                 ++n;
                                 return true;
                               })
                    .ok());
    return n;
  };
  {
    auto writer = SealedStreamWriter::Begin(*vault_, "a-abandoned", SealedStreamOptions{1024, 4});
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(Payload(20 * 1024)).ok());
    // The process dies here: neither CommitIn nor Discard.
  }
  EXPECT_EQ(count("a-abandoned"), 16u);  // four stored batches of four

  auto swept = SweepAbandonedStreams(*vault_);
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(*swept, 16u);
  EXPECT_EQ(count("a-abandoned"), 0u);
  EXPECT_EQ(count(big->id), 40u);
  auto read = Read(kept->id);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, kept_data);
  auto again = SweepAbandonedStreams(*vault_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);
}

// Nodes sharing a vault sweep only streams that stored nothing for a while
// (another node's upload may be in progress). A writer whose stream was
// swept after all — it stalled that long — stores and commits nothing.
TEST_F(AttachTest, AStreamIdleLongerThanAskedIsSweptAndItsWriterCanCommitNothing) {
  auto writer = SealedStreamWriter::Begin(*vault_, "a-stalled", SealedStreamOptions{1024, 4});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write(Payload(9 * 1024)).ok());  // two batches of four
  ASSERT_TRUE((*writer)->Stored().ok());                  // both stored
  auto recent = SweepAbandonedStreams(*vault_, 3600 * 1000);
  ASSERT_TRUE(recent.ok()) << recent.status().ToString();
  EXPECT_EQ(*recent, 0u);  // stored just now: in progress
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto swept = SweepAbandonedStreams(*vault_, 10);
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(*swept, 8u);
  // The writer wakes up: its next batch is refused (a batch is stored while
  // the writer goes on; its failure comes back from the next call that
  // waits for it), and from then on every call fails, its commit too.
  ASSERT_TRUE((*writer)->Write(Payload(4 * 1024)).ok());  // handed to the store
  EXPECT_EQ((*writer)->Stored().code(), StatusCode::kAborted);
  EXPECT_EQ((*writer)->Write(Payload(1024)).code(), StatusCode::kAborted);
  auto finished = (*writer)->Finish();
  Status committed = finished.ok()
                         ? vault_->Write([&](WriteTxn& txn) { return (*writer)->CommitIn(txn); })
                         : finished.status();
  EXPECT_EQ(committed.code(), StatusCode::kAborted) << committed.ToString();
}

}  // namespace
}  // namespace custos::vault
