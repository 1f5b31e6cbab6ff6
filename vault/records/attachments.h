// Attachments of a record: any file, streamed in and out in chunks, each
// chunk encrypted with libsodium secretstream (XChaCha20-Poly1305) under a
// random per-attachment key (vault/store/sealed_stream.h). Large files are never
// held in memory whole.
//
// Storage:
//   tables::kAttachments       id → {"id","record","filename","media_type","size",
//                                    "sha256" (hex of the plaintext),"chunk_size",
//                                    "chunks","header" (secretstream header, b64),
//                                    "key" (the attachment key sealed under the
//                                    vault's attachment KEK, b64),
//                                    "stream_format" (2; absent: 1),"created",
//                                    "created_by","audit_seq"}
//   tables::kStreamChunks      id \0 EncodeU32(i) → chunk i's ciphertext, as
//                              secretstream gave it (format 2)
//   tables::kAttachmentChunks  the same, sealed again as a value (format 1,
//                              attachments added before kStreamChunks existed)
//   tables::kStreams           id → the stream's description (for the scrub)
//   tables::kIndex             "att/" + record + \0 + id → ""
// Each chunk's associated data binds the attachment id and the chunk index;
// the last chunk carries the FINAL tag. A changed, reordered, missing or
// truncated chunk fails to open: kDataLoss.
//
// Ingest writes chunks in several Write() calls and commits the metadata
// (with the audit event) last, so a half-written attachment is never
// visible; its orphan chunks are deleted on failure (best effort).
//
// Thread-safety: free functions; see records.h.
#ifndef CUSTOS_VAULT_RECORDS_ATTACHMENTS_H_
#define CUSTOS_VAULT_RECORDS_ATTACHMENTS_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "policy/engine.h"
#include "vault/records/records.h"
#include "vault/store/sealed_stream.h"

namespace custos::vault {

struct AttachmentInfo {
  // "att-" + 16 hex digits ("a-" before; agreements are "a-" too, so new
  // attachments have their own prefix — older ids stay valid)
  std::string id;
  std::string record_id;
  std::string filename;
  std::string media_type;
  uint64_t size = 0;
  std::string sha256;  // lower-case hex of the plaintext, computed at ingest
  uint32_t chunk_size = 0;
  uint32_t chunks = 0;
  UnixMillis created = 0;
  std::string created_by;
  uint64_t audit_seq = 0;
};

struct AttachmentOptions {
  uint32_t chunk_size = 64 * 1024;
  // Chunks per Write() during ingest (bounds memory and transaction size).
  uint32_t chunks_per_write = 64;
};

// Streams `in` into a new attachment of `record_id`. The caller must be
// allowed to update the record (the owner, per policy); the addition is
// audited ("attachment.add"). kInvalidArgument for an empty filename;
// kUnavailable when `in` fails.
Result<AttachmentInfo> AddAttachment(Archive& archive, const Caller& caller,
                                     std::string_view record_id, std::string_view filename,
                                     std::string_view media_type, std::istream& in,
                                     std::string_view reason,
                                     const AttachmentOptions& options = {});

// Whether `caller` may take an attachment of `info`'s file away now: not in
// the notice period, when a leaver still reads the files being handed over
// but a download is a copy to take away (kPermissionDenied,
// employment.notice_period, recorded as a denied attachment.read). Nothing
// is recorded when they may. Asked before the view a download rides on, so
// that a refused download costs no view; OpenAttachmentStream refuses the
// same on its own.
Status CheckMayDownload(Archive& archive, const Caller& caller, const AttachmentInfo& info);

// Where an attachment's bytes are stored (no decision: for holders of one,
// e.g. an approved evidence export, which reads it with ReadSealedStream).
Result<SealedStream> AttachmentContent(const ReadTxn& txn, std::string_view attachment_id);

// Attachments of a record (metadata only).
Result<std::vector<AttachmentInfo>> ListAttachments(const ReadTxn& txn, std::string_view record_id);
Result<AttachmentInfo> GetAttachment(const ReadTxn& txn, std::string_view attachment_id);

// Decrypts an attachment to `out` under the Permit of a view of its record
// by the same caller (ViewResult::permit), no older than 15 minutes. The read
// is audited ("attachment.read") before any byte is written. kDataLoss when
// any chunk fails to open or the SHA-256 differs: bytes already written to
// `out` must then be discarded. kPermissionDenied for a permit that does
// not cover this attachment.
Status ReadAttachment(Archive& archive, const Caller& caller, const policy::Permit& permit,
                      std::string_view attachment_id, std::ostream& out);

// ReadAttachment in two steps, for streaming a download: the permit check
// and the audited "attachment.read" happen here, before anything is sent;
// write_to then decrypts chunk by chunk to `out` (each chunk authenticated
// before it is written; the SHA-256 is checked at the end, so a kDataLoss
// may come after bytes were written — the receiver must then discard them).
struct AttachmentStream {
  AttachmentInfo info;
  std::function<Status(std::ostream& out)> write_to;
};
Result<AttachmentStream> OpenAttachmentStream(Archive& archive, const Caller& caller,
                                              const policy::Permit& permit,
                                              std::string_view attachment_id);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_RECORDS_ATTACHMENTS_H_
