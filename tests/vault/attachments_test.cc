#include "vault/records/attachments.h"

#include <chrono>
#include <sodium.h>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/json.h"
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

  uint64_t LogSize() {
    auto r = vault_->BeginRead();
    return log_->Size(**r).value();
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
    return *(*r)->Get(tables::kStreamChunks, ChunkKey(id, i));
  }

  void PutChunk(const std::string& id, uint32_t i, const std::string& value) {
    ASSERT_TRUE(vault_
                    ->Write([&](WriteTxn& w) {
                      return w.Put(tables::kStreamChunks, ChunkKey(id, i), value);
                    })
                    .ok());
  }

  // The attachment reads back as `data`, and the whole vault scrubs clean.
  void ExpectReadsBackAndScrubsClean(const std::string& id, const std::string& data) {
    auto back = Read(id);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == data);
    auto report = vault_->Scrub();
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->damaged.empty());
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
    std::string c0 = *(*r)->Get(tables::kStreamChunks, ChunkKey(info->id, 0));
    EXPECT_EQ(c0.find(data.substr(0, 64)), std::string::npos);
  }
  auto back = Read(info->id);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == data);
}

// A name is shown in lists, the audit log and bundles: one that would
// display as another ("invoice\u202efdp.exe" reads "invoiceexe.pdf") is
// refused before anything is stored or audited.
TEST_F(AttachTest, AFilenameThatWouldDisplayAsAnotherIsRefused) {
  const uint64_t events_before = LogSize();
  for (const std::string name : {"invoice\u202e"
                                 "fdp.exe",
                                 "报价单\n.pdf", "a\tb.pdf"}) {
    std::istringstream in(Payload(100));
    auto r =
        AddAttachment(*archive_, As(author_), record_.id, name, "application/pdf", in, "上传附件");
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(r.status().message().find("filename holds a"), std::string::npos)
        << r.status().ToString();
  }
  EXPECT_EQ(LogSize(), events_before);
  auto r = vault_->BeginRead();
  EXPECT_TRUE(ListAttachments(**r, record_.id)->empty());
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
                    return w.Delete(tables::kStreamChunks, ChunkKey(info->id, last));
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
  EXPECT_EQ(*(*r)->Count(tables::kStreamChunks), 1u);  // the denied ingest left nothing
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
    EXPECT_TRUE((*r)->ScanKeys(tables::kStreamChunks, id + std::string(1, '\0'),
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

// A chunk is stored as its stream sealed it, not sealed again as a vault
// value: a full chunk is the chunk size plus the secretstream's 17 bytes,
// and the stream is described for the scrub.
TEST_F(AttachTest, ChunksAreStoredOnceAsTheirStreamSealedThem) {
  const std::string data = Payload(10000);
  auto info = Add(data, 4096);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ASSERT_EQ(info->chunks, 3u);
  auto r = vault_->BeginRead();
  const std::string c0 = *(*r)->Get(tables::kStreamChunks, ChunkKey(info->id, 0));
  EXPECT_EQ(c0.size(), 4096u + crypto_secretstream_xchacha20poly1305_ABYTES);
  EXPECT_EQ(c0.find(data.substr(0, 32)), std::string::npos);
  EXPECT_EQ(*(*r)->Count(tables::kAttachmentChunks), 0u);
  auto described = (*r)->Get(tables::kStreams, info->id);
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  auto o = json::Parse(*described);
  ASSERT_TRUE(o.ok());
  auto stream = SealedStream::From(*o, info->id);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  EXPECT_EQ(stream->format, kStreamChunksAsIs);
  EXPECT_EQ(stream->sha256, info->sha256);
  EXPECT_EQ(stream->chunks, 3u);
}

// Vaults written before kStreamChunks keep their attachments' chunks in
// kAttachmentChunks, sealed a second time as values, and their
// descriptions have no "stream_format": such an attachment is rebuilt here
// from a new one (the secretstream's bytes are the same in both formats)
// and must read back, fail on a changed chunk, and scrub by value.
TEST_F(AttachTest, AttachmentsOfTheFirstFormatReadAsTheyAre) {
  const std::string data = Payload(20000);
  auto info = Add(data, 4096);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ASSERT_TRUE(
      vault_
          ->Write([&](WriteTxn& w) -> Status {
            for (uint32_t i = 0; i < info->chunks; ++i) {
              CUSTOS_ASSIGN_OR_RETURN(std::string c,
                                      w.Get(tables::kStreamChunks, ChunkKey(info->id, i)));
              CUSTOS_RETURN_IF_ERROR(w.Insert(tables::kAttachmentChunks, ChunkKey(info->id, i), c));
              CUSTOS_RETURN_IF_ERROR(w.Delete(tables::kStreamChunks, ChunkKey(info->id, i)));
            }
            CUSTOS_RETURN_IF_ERROR(w.Delete(tables::kStreams, info->id));
            CUSTOS_ASSIGN_OR_RETURN(std::string meta, w.Get(tables::kAttachments, info->id));
            CUSTOS_ASSIGN_OR_RETURN(json::Value o, json::Parse(meta));
            if (o.as_object().erase("stream_format") != 1) {
              return Status::Internal("no stream_format in the description");
            }
            return w.Put(tables::kAttachments, info->id, json::Serialize(o));
          })
          .ok());
  {
    auto r = vault_->BeginRead();
    auto content = AttachmentContent(**r, info->id);
    ASSERT_TRUE(content.ok()) << content.status().ToString();
    EXPECT_EQ(content->format, kStreamChunksSealed);
  }
  ASSERT_NO_FATAL_FAILURE(ExpectReadsBackAndScrubsClean(info->id, data));

  // A chunk changed under the vault's key (an insider with the keys): the
  // stream's own authentication still catches it.
  std::string c = *(*vault_->BeginRead())->Get(tables::kAttachmentChunks, ChunkKey(info->id, 2));
  c[7] ^= 0x20;
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) {
                    return w.Put(tables::kAttachmentChunks, ChunkKey(info->id, 2), c);
                  })
                  .ok());
  EXPECT_EQ(Read(info->id).status().code(), StatusCode::kDataLoss);
}

// The scrub opens no chunk as a vault value: it decrypts each described
// stream with its own key, and names the first chunk that is changed or
// missing, a stream whose whole differs from its SHA-256, and chunks that
// no stream describes — but not an upload still in progress.
TEST_F(AttachTest, ScrubChecksEachStreamWithItsOwnKey) {
  auto a = Add(Payload(20000), 4096);  // 5 chunks
  auto b = Add(Payload(9000), 4096);   // 3 chunks
  ASSERT_TRUE(a.ok() && b.ok());
  auto clean = vault_->Scrub();
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  EXPECT_TRUE(clean->damaged.empty());
  EXPECT_EQ(clean->streams, 2u);
  uint64_t chunks = 0;
  {
    auto r = vault_->BeginRead();
    chunks = *(*r)->Count(tables::kStreamChunks);
  }
  EXPECT_EQ(chunks, 8u);

  // An upload in progress: stored chunks, no description yet.
  auto writer = SealedStreamWriter::Begin(*vault_, "att-inprogress", SealedStreamOptions{1024, 2});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write(Payload(4096)).ok());
  ASSERT_TRUE((*writer)->Stored().ok());
  auto with_upload = vault_->Scrub();
  ASSERT_TRUE(with_upload.ok());
  EXPECT_TRUE(with_upload->damaged.empty());
  EXPECT_EQ(with_upload->entries, clean->entries + 2 + 1);  // two chunks, one pending mark

  auto finding = [](const ScrubReport& report, Table table, const std::string& key) {
    for (const ScrubFinding& f : report.damaged) {
      if (f.table == table && f.key_hex == HexEncode(key)) return f.problem;
    }
    return std::string();
  };
  // Chunk 1 of a changed; chunk 2 of b removed; a chunk of no stream.
  std::string c = GetChunk(a->id, 1);
  c[100] ^= 0x01;
  PutChunk(a->id, 1, c);
  ASSERT_TRUE(
      vault_
          ->Write([&](WriteTxn& w) { return w.Delete(tables::kStreamChunks, ChunkKey(b->id, 2)); })
          .ok());
  PutChunk("att-nobody", 0, std::string(100, 'z'));
  PutChunk("att-nobody", 1, std::string(100, 'z'));
  auto report = vault_->Scrub();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->damaged.size(), 3u);
  EXPECT_EQ(report->streams, 0u);  // neither stream is whole any more
  const std::string changed = finding(*report, tables::kStreamChunks, ChunkKey(a->id, 1));
  EXPECT_NE(changed.find("integrity"), std::string::npos) << changed;
  EXPECT_NE(changed.find("the 3 after it are not checked"), std::string::npos) << changed;
  EXPECT_NE(finding(*report, tables::kStreamChunks, ChunkKey(b->id, 2)).find("missing"),
            std::string::npos);
  EXPECT_NE(finding(*report, tables::kStreamChunks, ChunkKey("att-nobody", 0))
                .find("2 chunk(s) that no stored stream describes"),
            std::string::npos);
  (*writer)->Discard();
}

// A vault moved to another store (`custos migrate`: Vault::CopyStore,
// entry by entry as stored) keeps its attachments: the copy's chunks read
// back byte for byte and scrub clean. (LMDB to LMDB here; from PostgreSQL
// to LMDB when the suite runs on PostgreSQL.)
TEST_F(AttachTest, AttachmentsMoveWithTheVaultToAnotherStore) {
  const std::string data = Payload(50000);
  auto info = Add(data, 4096);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  // One LMDB environment per process: this one is closed before the copy
  // opens it.
  archive_.reset();
  log_.reset();
  vault_.reset();
  testing::TempDir other;
  const std::string to = "lmdb:" + other.path() + "/copy";
  Status copied = Vault::CopyStore(testing::TestStoreFor(dir_.path()), to);
  ASSERT_TRUE(copied.ok()) << copied.ToString();
  auto copy = Vault::Open(to, testing::Pass());
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  Result<SealedStream> content = Status::Internal("unset");
  {
    auto r = (*copy)->BeginRead();
    ASSERT_TRUE(r.ok());
    content = AttachmentContent(**r, info->id);
  }
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  std::string back;
  Status read = ReadSealedStream(**copy, *content, [&](std::string_view piece) {
    back.append(piece);
    return Status::Ok();
  });
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_TRUE(back == data);
  auto report = (*copy)->Scrub();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->damaged.empty());
}

// A root key rotation re-seals every sealed value; the chunks, sealed by
// their streams' keys alone, stay as they are and still read back.
TEST_F(AttachTest, ARootKeyRotationLeavesChunksAsTheyAre) {
  const std::string data = Payload(30000);
  auto info = Add(data, 4096);
  ASSERT_TRUE(info.ok());
  const std::string before = GetChunk(info->id, 4);
  ASSERT_TRUE(vault_->RotateRootKey().ok());
  EXPECT_EQ(GetChunk(info->id, 4), before);
  ExpectReadsBackAndScrubsClean(info->id, data);
}

}  // namespace
}  // namespace custos::vault
