// Byte streams stored encrypted in chunks: the storage of record
// attachments and of exported evidence bundles. Large files are never held
// in memory whole.
//
// Each stream has its own random key (libsodium secretstream,
// XChaCha20-Poly1305), kept sealed under a vault-wide key-encryption key
// ("attachments.kek" in tables::kKeys). Chunk i of stream `id` is stored in
// tables::kStreamChunks under id \0 EncodeU32(i), as the secretstream gave
// it (the vault does not seal it a second time); its associated data binds
// the stream id and the index, and the last chunk carries the FINAL tag,
// so a changed, reordered, missing, moved or truncated chunk fails to open
// (kDataLoss). A committed stream is also described in tables::kStreams
// (sealed), so that Vault::Scrub can check its chunks (ScrubStreamChunks).
// Ids must be unique across streams ("att-" attachments, "b-" bundles).
//
// Streams written before kStreamChunks (kStreamChunksSealed: their
// description has no "stream_format") keep their chunks in
// tables::kAttachmentChunks, each sealed again as a vault value; they are
// read as they are, and scrubbed as every sealed value is.
//
// Writing: chunks go to the store in batches, each in its own Write() on a
// thread of its own while the next batch is sealed (one at a time, in
// order; a failure is returned by the next call); the
// last batch is committed by the caller together with the record that names
// the stream (CommitIn), so a half-written stream is never referenced; on
// failure Discard() deletes the orphan chunks (best effort).
//
// Thread-safety: a writer is used by one thread; reading is safe from any.
#ifndef CUSTOS_VAULT_STORE_SEALED_STREAM_H_
#define CUSTOS_VAULT_STORE_SEALED_STREAM_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "vault/store/vault.h"

namespace custos::vault {

// How a stream's chunks are stored (SealedStream::format).
inline constexpr uint32_t kStreamChunksSealed = 1;  // kAttachmentChunks, sealed again
inline constexpr uint32_t kStreamChunksAsIs = 2;    // kStreamChunks, as they are

// What names a stored stream. The key is sealed: holding this value reveals
// nothing without the vault's keys.
struct SealedStream {
  std::string id;
  uint64_t size = 0;   // plaintext bytes
  std::string sha256;  // lower-case hex of the plaintext
  uint32_t chunk_size = 0;
  uint32_t chunks = 0;
  std::string header;      // secretstream header (raw)
  std::string sealed_key;  // the stream key sealed under the KEK (raw)
  uint32_t format = kStreamChunksAsIs;

  // Adds the fields "size", "sha256", "chunk_size", "chunks", "header" and
  // "key" (base64) to the object `o` (the layout attachments always had),
  // and "stream_format" unless it is kStreamChunksSealed.
  void AddTo(json::Value* o) const;
  // Reads them back; kDataLoss when missing or malformed.
  static Result<SealedStream> From(const json::Value& o, std::string id);
};

struct SealedStreamOptions {
  uint32_t chunk_size = 64 * 1024;
  // Chunks per Write() while streaming (bounds memory and transaction size).
  uint32_t chunks_per_write = 64;
};

class SealedStreamWriter {
 public:
  // A new stream `id`. kInvalidArgument for bad options.
  static Result<std::unique_ptr<SealedStreamWriter>> Begin(Vault& vault, std::string id,
                                                           const SealedStreamOptions& options = {});
  ~SealedStreamWriter();  // wipes the key and buffers (does not Discard)
  SealedStreamWriter(const SealedStreamWriter&) = delete;
  SealedStreamWriter& operator=(const SealedStreamWriter&) = delete;

  // Appends plaintext; full batches of chunks are stored as they fill.
  Status Write(std::string_view data);
  // Seals the last chunk and returns the stream's description. The chunks
  // of the last batch are not stored yet: CommitIn stores them.
  Result<SealedStream> Finish();
  // Inserts the last batch inside `txn` — the transaction that also stores
  // whatever names the stream. Safe to call again when `txn`'s function
  // runs again (Vault::Write may re-run it).
  Status CommitIn(WriteTxn& txn) const;
  // Waits until every batch handed to the store so far is stored. The
  // first failure of a batch is returned here and by every later call
  // (Write, Finish and CommitIn included): such a stream is never committed.
  Status Stored();
  // Deletes every chunk of the stream that may have been stored.
  void Discard();
  // Plaintext bytes written so far.
  uint64_t size() const;

 private:
  struct State;
  explicit SealedStreamWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Decrypts `stream` chunk by chunk to `out`, each chunk authenticated
// before it is passed on; the next 16 chunks are read meanwhile, in one
// short read transaction, on a thread of its own. kDataLoss when a
// chunk is missing or fails to open, or when the size or SHA-256 differ at
// the end (bytes already passed on must then be discarded); errors of `out`
// stop the read and are returned.
Status ReadSealedStream(Vault& vault, const SealedStream& stream,
                        const std::function<Status(std::string_view)>& out);

// Deletes chunks [0, chunks) of stream `id` as a writer stores them (in
// tables::kStreamChunks) and its description (best effort, several
// writes).
void DeleteStreamChunks(Vault& vault, const std::string& id, uint32_t chunks);

// For Vault::Scrub: checks, in `txn`'s snapshot, every chunk in
// tables::kStreamChunks against the stream tables::kStreams describes,
// decrypting each stream in order (a chunk can be authenticated only with
// its stream's key, after the chunks before it). Adds to `report` each
// chunk that is missing, fails to open or ends its stream in the wrong
// place (the first of a stream: those after it cannot be checked), a
// stream whose whole does not match its size and SHA-256, and each chunk
// that no described stream and no upload in progress accounts for; counts
// each stream found whole in report->streams. Never says what a chunk
// holds.
Status ScrubStreamChunks(const ReadTxn& txn, ScrubReport* report,
                         const std::function<void(uint64_t entries)>& progress);

// Deletes the stored chunks of every stream that a writer began storing but
// neither committed nor discarded — the process died half-way through an
// upload or an export (a writer marks its stream in tables::kIndex with its
// first stored batch and renews the mark with each; CommitIn and Discard
// remove it). `idle_ms` 0: every such stream, for when no writer of this
// vault can be open (one process on LMDB, when `serve` starts). Otherwise
// only streams that stored nothing for `idle_ms` (nodes sharing a vault,
// where another node's upload may be in progress): a writer whose stream
// was swept stores and commits nothing more (kAborted). Returns the number
// of chunks deleted; streams that something names are never touched.
Result<uint64_t> SweepAbandonedStreams(Vault& vault, int64_t idle_ms = 0);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_SEALED_STREAM_H_
