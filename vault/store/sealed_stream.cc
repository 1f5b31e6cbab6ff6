#include "vault/store/sealed_stream.h"

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <sodium.h>
#include <utility>

#include "base/encoding.h"
#include "base/json.h"
#include "base/time.h"
#include "vault/store/crypto.h"

namespace custos::vault {
namespace {

constexpr std::string_view kKekName = "attachments.kek";
constexpr size_t kMaxChunkSize = 16u << 20;
constexpr size_t kHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr size_t kTagBytes = crypto_secretstream_xchacha20poly1305_ABYTES;

std::string ChunkKey(std::string_view id, uint32_t index) {
  std::string k(id);
  k.push_back('\0');
  k += EncodeU32(index);
  return k;
}

// The domain is followed directly by the id (ids have fixed prefixes, so
// this is unambiguous); the layout is what attachments were first stored
// with and cannot change.
std::string ChunkAd(std::string_view id, uint32_t index) {
  std::string ad = "custos-attachment-chunk";
  ad += id;
  ad.push_back('\0');
  ad += EncodeU32(index);
  return ad;
}

std::string KeyAd(std::string_view id) { return "custos-attachment-key:" + std::string(id); }

// Opens a stream's chunks in order with the stream's own key, hashing the
// plaintext as it goes: what reading a stream and the scrub share. Each
// caller words the faults its own way.
class StreamOpener {
 public:
  enum class Fault { kNone, kTruncated, kFailsToOpen, kEndsWrong };

  explicit StreamOpener(const SealedStream& stream) : stream_(stream) {}
  ~StreamOpener() { sodium_memzero(&state_, sizeof state_); }
  StreamOpener(const StreamOpener&) = delete;
  StreamOpener& operator=(const StreamOpener&) = delete;

  // Unwraps the stream's key with `kek` and reads its header; kDataLoss
  // naming the stream when either fails.
  Status Begin(const SecretBytes& kek) {
    auto key = AeadOpenSecret(kek, stream_.sealed_key, KeyAd(stream_.id));
    if (!key.ok()) return Status::DataLoss("the key of stream " + stream_.id + " does not open");
    if (stream_.header.size() != kHeaderBytes ||
        crypto_secretstream_xchacha20poly1305_init_pull(
            &state_, reinterpret_cast<const unsigned char*>(stream_.header.data()), key->data()) !=
            0) {
      return Status::DataLoss("the header of stream " + stream_.id + " is invalid");
    }
    return Status::Ok();
  }

  // Opens chunk `index`, the one after the last opened, into `plain`
  // (resized to its plaintext), authenticated before it is hashed.
  Fault Open(uint32_t index, std::string_view cipher, std::string* plain) {
    if (cipher.size() < kTagBytes) return Fault::kTruncated;
    plain->resize(cipher.size() - kTagBytes);
    unsigned long long plen = 0;
    unsigned char tag = 0;
    const std::string ad = ChunkAd(stream_.id, index);
    if (crypto_secretstream_xchacha20poly1305_pull(
            &state_, reinterpret_cast<unsigned char*>(plain->data()), &plen, &tag,
            reinterpret_cast<const unsigned char*>(cipher.data()), cipher.size(),
            reinterpret_cast<const unsigned char*>(ad.data()), ad.size()) != 0) {
      return Fault::kFailsToOpen;
    }
    if ((index + 1 == stream_.chunks) != (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)) {
      return Fault::kEndsWrong;
    }
    plain->resize(plen);
    hasher_.Update(*plain);
    total_ += plen;
    return Fault::kNone;
  }

  // After the last chunk: whether the whole has the size and SHA-256
  // recorded when the stream was written. Call once.
  bool MatchesRecord() {
    return total_ == stream_.size && HexEncode(hasher_.Finish()) == stream_.sha256;
  }

 private:
  const SealedStream& stream_;
  crypto_secretstream_xchacha20poly1305_state state_;
  Sha256Hasher hasher_;
  uint64_t total_ = 0;
};

// Where a stream of `format` keeps its chunks.
Table ChunkTable(uint32_t format) {
  return format == kStreamChunksAsIs ? tables::kStreamChunks : tables::kAttachmentChunks;
}

// What tables::kStreams holds for a committed stream: its description.
std::string Describe(const SealedStream& s) {
  json::Value o = json::Value::MakeObject();
  s.AddTo(&o);
  return json::Serialize(o);
}

}  // namespace

void SealedStream::AddTo(json::Value* o) const {
  (*o)["size"] = size;
  (*o)["sha256"] = sha256;
  (*o)["chunk_size"] = chunk_size;
  (*o)["chunks"] = chunks;
  (*o)["header"] = Base64Encode(header);
  (*o)["key"] = Base64Encode(sealed_key);
  // Absent for streams of the first format, which had no such field.
  if (format != kStreamChunksSealed) (*o)["stream_format"] = format;
}

Result<SealedStream> SealedStream::From(const json::Value& o, std::string id) {
  auto malformed = [&](const Status& st) {
    return Status::DataLoss("stream " + id + " is described badly: " + st.message());
  };
  SealedStream s;
  s.id = std::move(id);
  auto size = json::GetInt(o, "size");
  auto sha = json::GetString(o, "sha256");
  auto chunk_size = json::GetInt(o, "chunk_size");
  auto chunks = json::GetInt(o, "chunks");
  auto header = json::GetString(o, "header");
  auto key = json::GetString(o, "key");
  for (const Status& st : {size.status(), sha.status(), chunk_size.status(), chunks.status(),
                           header.status(), key.status()}) {
    if (!st.ok()) return malformed(st);
  }
  if (o.Find("stream_format") != nullptr) {
    auto format = json::GetInt(o, "stream_format");
    if (!format.ok()) return malformed(format.status());
    if (*format != kStreamChunksAsIs) {
      return malformed(Status::InvalidArgument("unknown stream format " + std::to_string(*format)));
    }
    s.format = kStreamChunksAsIs;
  } else {
    s.format = kStreamChunksSealed;
  }
  if (*size < 0 || *chunk_size <= 0 || *chunk_size > static_cast<int64_t>(kMaxChunkSize) ||
      *chunks < 1 || *chunks > INT64_C(0xffffffff)) {
    return malformed(Status::InvalidArgument("sizes out of range"));
  }
  s.size = static_cast<uint64_t>(*size);
  s.sha256 = *sha;
  s.chunk_size = static_cast<uint32_t>(*chunk_size);
  s.chunks = static_cast<uint32_t>(*chunks);
  auto h = Base64Decode(*header);
  auto k = Base64Decode(*key);
  if (!h.ok() || !k.ok() || h->size() != kHeaderBytes) {
    return malformed(Status::InvalidArgument("header or key"));
  }
  s.header = std::move(*h);
  s.sealed_key = std::move(*k);
  return s;
}

// tables::kIndex: a stream some of whose chunks are stored but that nothing
// names yet. Its value: when its writer last stored a batch (milliseconds,
// EncodeU64); 0 once a sweep has taken it (the writer can then neither
// store more nor commit). Marks of earlier versions are empty: their age
// is unknown, and they count as old.
namespace {
constexpr char kPendingPrefix[] = "stream-pending/";
std::string PendingKey(std::string_view id) { return kPendingPrefix + std::string(id); }

int64_t MarkTime(std::string_view value) {
  return value.size() == 8 ? static_cast<int64_t>(DecodeU64(value)) : 0;
}

// The writer's own mark must still be there, not taken by a sweep.
Status MarkStillOurs(WriteTxn& txn, const std::string& id) {
  auto mark = txn.Get(tables::kIndex, PendingKey(id));
  if (mark.ok() && MarkTime(*mark) > 0) return Status::Ok();
  if (!mark.ok() && mark.status().code() != StatusCode::kNotFound) return mark.status();
  return Status::Aborted(
      "the part of this upload stored so far was deleted as abandoned (nothing was stored for "
      "too long); send it again");
}
}  // namespace

struct SealedStreamWriter::State {
  Vault* vault = nullptr;
  SealedStream stream;
  SealedStreamOptions options;
  SecretBytes key;
  crypto_secretstream_xchacha20poly1305_state push;
  Sha256Hasher hasher;
  // SECURITY: plaintext waiting to fill a chunk; wiped when sealed and on
  // destruction. (Not SecretBytes: locked memory is scarce, and record
  // content is wiped the same way everywhere else.)
  std::string buffer;
  size_t filled = 0;
  std::vector<std::pair<std::string, std::string>> pending;  // key → ciphertext
  uint32_t stored = 0;  // chunks [0, stored) may be in the store
  bool finished = false;
  // The batch being stored while the next one is sealed: its Write() runs
  // on a thread of its own, so encrypting and hashing overlap the store's
  // commit. One at a time, in order; its status is taken by Settle().
  std::future<Status> storing;

  State() : key(crypto_secretstream_xchacha20poly1305_KEYBYTES) {}
  ~State() {
    (void)Settle();  // never leave a Write() running on freed state
    sodium_memzero(&push, sizeof push);
    sodium_memzero(buffer.data(), buffer.size());
  }

  // The first failure of a batch: the stream has a hole, so every later
  // call fails with it and the stream can never be committed.
  Status failed;

  // Waits for the batch being stored; the first failure of any batch.
  Status Settle() {
    if (storing.valid()) {
      Status st = storing.get();
      if (!st.ok() && failed.ok()) failed = std::move(st);
    }
    return failed;
  }

  Status Seal(bool last) {
    const uint32_t index = stream.chunks;
    const std::string ad = ChunkAd(stream.id, index);
    std::string cipher(filled + kTagBytes, '\0');
    unsigned long long clen = 0;
    crypto_secretstream_xchacha20poly1305_push(
        &push, reinterpret_cast<unsigned char*>(cipher.data()), &clen,
        reinterpret_cast<const unsigned char*>(buffer.data()), filled,
        reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
             : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    cipher.resize(clen);
    hasher.Update(std::string_view(buffer.data(), filled));
    sodium_memzero(buffer.data(), filled);
    stream.size += filled;
    filled = 0;
    pending.emplace_back(ChunkKey(stream.id, index), std::move(cipher));
    stream.chunks += 1;
    if (!last && pending.size() >= options.chunks_per_write) return Flush();
    return Status::Ok();
  }

  // Hands the pending batch to a Write() of its own, once the previous
  // batch is stored (a failure of that one is returned here, and nothing
  // more is stored).
  Status Flush() {
    if (pending.empty()) return Status::Ok();
    CUSTOS_RETURN_IF_ERROR(Settle());
    const uint32_t stored_before = stored;
    stored = stream.chunks;
    storing = std::async(
        std::launch::async,
        [vault = vault, id = stream.id, stored_before, batch = std::move(pending)]() -> Status {
          return vault->Write([&](WriteTxn& txn) -> Status {
            // The mark stays until CommitIn or Discard removes it: chunks of a
            // stream whose process died half-way are found and deleted by
            // SweepAbandonedStreams. Each batch renews its time.
            if (stored_before > 0) CUSTOS_RETURN_IF_ERROR(MarkStillOurs(txn, id));
            CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kIndex, PendingKey(id),
                                           EncodeU64(static_cast<uint64_t>(NowMillis()))));
            for (const auto& [k, v] : batch) {
              CUSTOS_RETURN_IF_ERROR(txn.Insert(tables::kStreamChunks, k, v));
            }
            return Status::Ok();
          });
        });
    pending.clear();
    return Status::Ok();
  }
};

SealedStreamWriter::SealedStreamWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
SealedStreamWriter::~SealedStreamWriter() = default;

Result<std::unique_ptr<SealedStreamWriter>> SealedStreamWriter::Begin(
    Vault& vault, std::string id, const SealedStreamOptions& options) {
  if (id.empty() || options.chunk_size == 0 || options.chunk_size > kMaxChunkSize ||
      options.chunks_per_write == 0) {
    return Status::InvalidArgument("bad sealed stream options");
  }
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes kek, vault.GetOrCreateSecret(kKekName, 32));
  auto state = std::make_unique<State>();
  state->vault = &vault;
  state->options = options;
  state->stream.id = std::move(id);
  state->stream.chunk_size = options.chunk_size;
  state->buffer.assign(options.chunk_size, '\0');
  crypto_secretstream_xchacha20poly1305_keygen(state->key.data());
  state->stream.header.assign(kHeaderBytes, '\0');
  crypto_secretstream_xchacha20poly1305_init_push(
      &state->push, reinterpret_cast<unsigned char*>(state->stream.header.data()),
      state->key.data());
  state->stream.sealed_key = AeadSealSecret(kek, state->key, KeyAd(state->stream.id));
  return std::unique_ptr<SealedStreamWriter>(new SealedStreamWriter(std::move(state)));
}

Status SealedStreamWriter::Write(std::string_view data) {
  State& s = *state_;
  if (s.finished) return Status::FailedPrecondition("the stream is finished");
  CUSTOS_RETURN_IF_ERROR(s.failed);
  while (!data.empty()) {
    // A full chunk is sealed only once more data follows: the last chunk
    // (FINAL) may be full.
    if (s.filled == s.options.chunk_size) CUSTOS_RETURN_IF_ERROR(s.Seal(false));
    const size_t take = std::min(data.size(), s.options.chunk_size - s.filled);
    std::copy_n(data.data(), take, s.buffer.data() + s.filled);
    s.filled += take;
    data.remove_prefix(take);
  }
  return Status::Ok();
}

Result<SealedStream> SealedStreamWriter::Finish() {
  State& s = *state_;
  if (s.finished) return Status::FailedPrecondition("the stream is finished");
  CUSTOS_RETURN_IF_ERROR(s.Seal(true));
  s.finished = true;
  // Every earlier batch is stored before the stream is described.
  CUSTOS_RETURN_IF_ERROR(s.Settle());
  s.stream.sha256 = HexEncode(s.hasher.Finish());
  return s.stream;
}

Status SealedStreamWriter::Stored() { return state_->Settle(); }

Status SealedStreamWriter::CommitIn(WriteTxn& txn) const {
  if (!state_->finished) return Status::FailedPrecondition("the stream is not finished");
  CUSTOS_RETURN_IF_ERROR(state_->failed);
  for (const auto& [k, v] : state_->pending) {
    CUSTOS_RETURN_IF_ERROR(txn.Insert(tables::kStreamChunks, k, v));
  }
  // Described for the scrub, which can check the chunks only with the
  // stream's key and header.
  CUSTOS_RETURN_IF_ERROR(txn.Insert(tables::kStreams, state_->stream.id, Describe(state_->stream)));
  if (state_->stored > 0) {
    // SECURITY: a stream a sweep took has lost chunks; it is never named.
    CUSTOS_RETURN_IF_ERROR(MarkStillOurs(txn, state_->stream.id));
    CUSTOS_RETURN_IF_ERROR(txn.Delete(tables::kIndex, PendingKey(state_->stream.id)));
  }
  return Status::Ok();
}

void SealedStreamWriter::Discard() {
  (void)state_->Settle();  // a batch still being stored is deleted too
  DeleteStreamChunks(*state_->vault, state_->stream.id, state_->stream.chunks);
  if (state_->stored > 0) {
    state_->vault
        ->Write([&](WriteTxn& txn) -> Status {
          Status st = txn.Delete(tables::kIndex, PendingKey(state_->stream.id));
          return st.code() == StatusCode::kNotFound ? Status::Ok() : st;
        })
        .IgnoreError();
  }
}

Result<uint64_t> SweepAbandonedStreams(Vault& vault, int64_t idle_ms) {
  const int64_t cutoff = NowMillis() - idle_ms;
  std::vector<std::string> ids;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    CUSTOS_RETURN_IF_ERROR(
        r->Scan(tables::kIndex, kPendingPrefix,
                [&](std::string_view key, std::string_view value) -> Result<bool> {
                  if (idle_ms <= 0 || MarkTime(value) <= cutoff)
                    ids.emplace_back(key.substr(std::string_view(kPendingPrefix).size()));
                  return true;
                }));
  }
  uint64_t deleted = 0;
  for (const std::string& id : ids) {
    if (id.empty()) continue;
    // First the mark is taken (time 0), unless its writer stored a batch
    // since it was read: from then on that writer stores and commits
    // nothing (MarkStillOurs), and a sweep cut short is taken up again by
    // the next one.
    bool taken = false;
    CUSTOS_RETURN_IF_ERROR(vault.Write([&](WriteTxn& txn) -> Status {
      taken = false;
      auto mark = txn.Get(tables::kIndex, PendingKey(id));
      if (!mark.ok())
        return mark.status().code() == StatusCode::kNotFound ? Status::Ok() : mark.status();
      if (idle_ms > 0 && MarkTime(*mark) > cutoff) return Status::Ok();
      taken = true;
      return txn.Put(tables::kIndex, PendingKey(id), EncodeU64(0));
    }));
    if (!taken) continue;
    const std::string prefix = id + std::string(1, '\0');
    // In batches, so that a large abandoned upload is not one huge write;
    // in both chunk tables (a stream begun before kStreamChunks existed
    // stored its chunks in kAttachmentChunks).
    Table table = tables::kStreamChunks;
    while (true) {
      std::vector<std::string> keys;
      {
        CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
        CUSTOS_RETURN_IF_ERROR(
            r->ScanKeys(table, prefix, [&](std::string_view key) -> Result<bool> {
              keys.emplace_back(key);
              return keys.size() < 1024;
            }));
      }
      const bool table_done = keys.size() < 1024;
      const bool last = table_done && table == tables::kAttachmentChunks;
      CUSTOS_RETURN_IF_ERROR(vault.Write([&](WriteTxn& txn) -> Status {
        for (const std::string& k : keys) {
          Status st = txn.Delete(table, k);
          if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
        }
        if (last) {
          Status st = txn.Delete(tables::kIndex, PendingKey(id));
          if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
        }
        return Status::Ok();
      }));
      deleted += keys.size();
      if (last) break;
      if (table_done) table = tables::kAttachmentChunks;
    }
  }
  return deleted;
}

uint64_t SealedStreamWriter::size() const { return state_->stream.size + state_->filled; }

void DeleteStreamChunks(Vault& vault, const std::string& id, uint32_t chunks) {
  for (uint32_t start = 0; start < chunks; start += 256) {
    vault
        .Write([&](WriteTxn& txn) -> Status {
          for (uint32_t i = start; i < chunks && i < start + 256; ++i) {
            Status st = txn.Delete(tables::kStreamChunks, ChunkKey(id, i));
            if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
          }
          return Status::Ok();
        })
        .IgnoreError();
  }
  vault
      .Write([&](WriteTxn& txn) -> Status {
        Status st = txn.Delete(tables::kStreams, id);
        return st.code() == StatusCode::kNotFound ? Status::Ok() : st;
      })
      .IgnoreError();
}

Status ReadSealedStream(Vault& vault, const SealedStream& stream,
                        const std::function<Status(std::string_view)>& out) {
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes kek, vault.GetOrCreateSecret(kKekName, 32));
  StreamOpener opener(stream);
  CUSTOS_RETURN_IF_ERROR(opener.Begin(kek));
  // Chunks are fetched (read and opened as stored values) a group ahead on
  // a thread of their own, while this one decrypts the stream and passes it
  // on: one short read transaction per group, so a large stream never pins
  // a snapshot for long and at most two groups are in memory.
  constexpr uint32_t kGroup = 16;
  struct Fetched {
    Status status;
    std::vector<std::string> ciphers;
  };
  const Table table = ChunkTable(stream.format);
  const auto fetch = [&vault, &stream, table](uint32_t from) -> Fetched {
    Fetched f;
    auto r = vault.BeginRead();
    if (!r.ok()) {
      f.status = r.status();
      return f;
    }
    for (uint32_t i = from; i < stream.chunks && i < from + kGroup; ++i) {
      auto cipher = (*r)->Get(table, ChunkKey(stream.id, i));
      if (!cipher.ok()) {
        f.status = cipher.status().code() == StatusCode::kNotFound
                       ? Status::DataLoss("chunk " + std::to_string(i) + " of stream " + stream.id +
                                          " is missing")
                       : cipher.status();
        return f;
      }
      f.ciphers.push_back(std::move(cipher).value());
    }
    return f;
  };
  std::string plain;
  Status result;
  std::future<Fetched> ahead;
  if (stream.chunks > 0) ahead = std::async(std::launch::async, fetch, 0);
  for (uint32_t from = 0; from < stream.chunks && result.ok(); from += kGroup) {
    Fetched group = ahead.get();
    if (from + kGroup < stream.chunks) ahead = std::async(std::launch::async, fetch, from + kGroup);
    if (!group.status.ok()) {
      result = group.status;
      break;
    }
    for (uint32_t j = 0; j < group.ciphers.size() && result.ok(); ++j) {
      const uint32_t i = from + j;
      const std::string where = "chunk " + std::to_string(i) + " of stream " + stream.id;
      switch (opener.Open(i, group.ciphers[j], &plain)) {
        case StreamOpener::Fault::kNone:
          result = out(plain);
          break;
        case StreamOpener::Fault::kTruncated:
          result = Status::DataLoss(where + " is truncated");
          break;
        case StreamOpener::Fault::kFailsToOpen:
          result = Status::DataLoss(where + " fails to open");
          break;
        case StreamOpener::Fault::kEndsWrong:
          result = Status::DataLoss("stream " + stream.id + " ends in the wrong place");
          break;
      }
    }
  }
  if (ahead.valid()) ahead.wait();  // a fetch still running reads `stream`
  if (!plain.empty()) sodium_memzero(plain.data(), plain.size());
  CUSTOS_RETURN_IF_ERROR(result);
  if (!opener.MatchesRecord()) {
    return Status::DataLoss("stream " + stream.id + " does not match its recorded SHA-256");
  }
  return Status::Ok();
}

Status ScrubStreamChunks(const ReadTxn& txn, ScrubReport* report,
                         const std::function<void(uint64_t)>& progress) {
  auto damaged = [&](Table table, std::string_view key, std::string problem) {
    report->damaged.push_back({std::string(table), HexEncode(key), std::move(problem)});
  };
  // The streams described, by id, with their chunk counts. A description
  // that does not open is the generic scrub's finding; its chunks are left
  // alone here (counted as described, unchecked).
  std::map<std::string, uint32_t, std::less<>> described;
  std::vector<std::string> ids;
  CUSTOS_RETURN_IF_ERROR(txn.ScanKeys(tables::kStreams, "", [&](std::string_view id) {
    ids.emplace_back(id);
    return true;
  }));
  std::vector<SealedStream> streams;
  for (const std::string& id : ids) {
    described[id] = 0xffffffffu;
    auto text = txn.Get(tables::kStreams, id);
    if (!text.ok()) continue;
    auto o = json::Parse(*text);
    auto stream = o.ok() ? SealedStream::From(*o, id) : Result<SealedStream>(o.status());
    if (!stream.ok() || stream->format != kStreamChunksAsIs) {
      damaged(tables::kStreams, id, "the stream's description is malformed");
      continue;
    }
    described[id] = stream->chunks;
    streams.push_back(std::move(stream).value());
  }

  auto kek_value = txn.Get(tables::kKeys, kKekName);
  Result<SecretBytes> kek =
      kek_value.ok() ? Result<SecretBytes>(SecretBytes::CopyOf(*kek_value)) : kek_value.status();
  if (kek_value.ok()) WipeString(&*kek_value);
  std::string plain;
  for (const SealedStream& stream : streams) {
    StreamOpener opener(stream);
    if (!kek.ok() || !opener.Begin(*kek).ok()) {
      damaged(tables::kStreams, stream.id, "the stream's key or header does not open");
      continue;
    }
    bool whole = true;
    for (uint32_t i = 0; i < stream.chunks; ++i) {
      const std::string key_i = ChunkKey(stream.id, i);
      // The first failure ends the stream's check: the chunks after it
      // cannot be authenticated without it.
      const auto later = [&] {
        return i + 1 < stream.chunks
                   ? "; the " + std::to_string(stream.chunks - i - 1) + " after it are not checked"
                   : std::string();
      };
      auto cipher = txn.GetSealed(tables::kStreamChunks, key_i);
      if (!cipher.ok()) {
        if (cipher.status().code() != StatusCode::kNotFound) return cipher.status();
        damaged(tables::kStreamChunks, key_i, "the chunk is missing" + later());
        whole = false;
        break;
      }
      const StreamOpener::Fault fault = opener.Open(i, *cipher, &plain);
      if (!plain.empty()) sodium_memzero(plain.data(), plain.size());
      if (fault == StreamOpener::Fault::kNone) continue;
      damaged(tables::kStreamChunks, key_i,
              fault == StreamOpener::Fault::kEndsWrong
                  ? "the stream ends in the wrong place"
                  : "the chunk fails its integrity check" + later());
      whole = false;
      break;
    }
    if (!whole) continue;
    if (!opener.MatchesRecord()) {
      damaged(tables::kStreams, stream.id, "the stream does not match its recorded SHA-256");
    } else {
      ++report->streams;
    }
  }

  // Every stored chunk: counted, and reported (once per stream id) when
  // neither a described stream nor an upload in progress accounts for it.
  std::set<std::string, std::less<>> pending;
  bool pending_known =
      txn.ScanKeys(tables::kIndex, kPendingPrefix,
                   [&](std::string_view key) {
                     pending.emplace(key.substr(std::string_view(kPendingPrefix).size()));
                     return true;
                   })
          .ok();  // a damaged mark is the generic scrub's finding
  std::map<std::string, std::pair<std::string, uint64_t>, std::less<>> unaccounted;
  CUSTOS_RETURN_IF_ERROR(
      txn.Scan(tables::kStreamChunks, "",
               [&](std::string_view key, std::string_view cipher) -> Result<bool> {
                 ++report->entries;
                 report->bytes += cipher.size();
                 if (progress && report->entries % 4096 == 0) progress(report->entries);
                 std::string_view id;
                 uint32_t index = 0;
                 if (key.size() > 5 && key[key.size() - 5] == '\0') {
                   id = key.substr(0, key.size() - 5);
                   index = DecodeU32(key.substr(key.size() - 4));
                 }
                 auto d = described.find(id);
                 const bool ours = (d != described.end() && index < d->second) ||
                                   (!id.empty() && (!pending_known || pending.count(id) > 0));
                 if (!ours) {
                   auto [u, fresh] = unaccounted.try_emplace(std::string(id), std::string(key), 0);
                   u->second.second += 1;
                 }
                 return true;
               }));
  for (const auto& [id, first] : unaccounted) {
    damaged(tables::kStreamChunks, first.first,
            std::to_string(first.second) + " chunk(s) that no stored stream describes");
  }
  if (!plain.empty()) sodium_memzero(plain.data(), plain.size());
  return Status::Ok();
}

}  // namespace custos::vault
