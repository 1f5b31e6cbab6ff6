#include "vault/backup/backup.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>
#include <unistd.h>

#include <sys/stat.h>

#include "base/encoding.h"
#include "vault/store/crypto.h"

namespace custos::vault {
namespace {

constexpr size_t kBlock = 512;
constexpr size_t kChunk = size_t{1} << 20;
constexpr std::string_view kPayloadName = "data.mdb";
constexpr std::string_view kManifestName = "manifest.json";
constexpr uint64_t kMaxManifest = uint64_t{1} << 20;

Status Errno(const std::string& what) {
  return Status::Internal(what + ": " + std::strerror(errno));
}

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// `what` names the file for an error: "writing " + what.
Status WriteAll(int fd, std::string_view data, std::string_view what = "the backup") {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("writing " + std::string(what));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status PreadAll(int fd, char* out, size_t n, uint64_t offset) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Errno("reading the backup");
    }
    if (r == 0) {
      return Status::InvalidArgument("the backup file ends early (truncated)",
                                     "备份文件不完整（提前结束）");
    }
    out += r;
    n -= static_cast<size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  return Status::Ok();
}

Status SyncDir(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  Fd d(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() < 0 || ::fsync(d.get()) != 0) return Errno("syncing " + dir);
  return Status::Ok();
}

uint64_t Padding(uint64_t size) { return (kBlock - size % kBlock) % kBlock; }

// ---- ustar headers (POSIX.1-1988; sizes of 8 GiB and more in the
// base-256 form GNU and libarchive read) ------------------------------------

void PutOctal(std::string* h, size_t off, size_t len, uint64_t v) {
  // len-1 digits and a NUL.
  for (size_t i = len - 1; i-- > 0;) {
    (*h)[off + i] = static_cast<char>('0' + (v & 7));
    v >>= 3;
  }
  (*h)[off + len - 1] = '\0';
}

std::string TarHeader(std::string_view name, uint64_t size, UnixMillis mtime) {
  std::string h(kBlock, '\0');
  std::memcpy(h.data(), name.data(), name.size());
  PutOctal(&h, 100, 8, 0600);  // mode
  PutOctal(&h, 108, 8, 0);     // uid
  PutOctal(&h, 116, 8, 0);     // gid
  if (size < (uint64_t{1} << 33)) {
    PutOctal(&h, 124, 12, size);
  } else {
    h[124] = static_cast<char>(0x80);
    for (int i = 0; i < 8; ++i) h[135 - i] = static_cast<char>((size >> (8 * i)) & 0xff);
  }
  PutOctal(&h, 136, 12, static_cast<uint64_t>(mtime / 1000));
  std::memset(&h[148], ' ', 8);
  h[156] = '0';  // a regular file
  std::memcpy(&h[257], "ustar", 6);
  std::memcpy(&h[263], "00", 2);
  std::memcpy(&h[265], "custos", 6);
  std::memcpy(&h[297], "custos", 6);
  uint64_t sum = 0;
  for (unsigned char c : h) sum += c;
  PutOctal(&h, 148, 7, sum);
  h[155] = ' ';
  return h;
}

struct Member {
  std::string name;
  uint64_t offset = 0;  // of the data
  uint64_t size = 0;
};

Result<uint64_t> ParseSize(const char* f) {
  if ((static_cast<unsigned char>(f[0]) & 0x80) != 0) {
    uint64_t v = 0;
    for (int i = 4; i < 12; ++i) v = (v << 8) | static_cast<unsigned char>(f[i]);
    return v;
  }
  uint64_t v = 0;
  for (int i = 0; i < 12 && f[i] != '\0' && f[i] != ' '; ++i) {
    if (f[i] < '0' || f[i] > '7') {
      return Status::InvalidArgument("not a custos backup (bad size)",
                                     "不是 Custos 备份文件（大小字段无效）");
    }
    v = (v << 3) | static_cast<uint64_t>(f[i] - '0');
  }
  return v;
}

// The members of a tar file, in order, checking each header's checksum.
Result<std::vector<Member>> ListMembers(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Errno("reading the backup");
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  std::vector<Member> out;
  uint64_t pos = 0;
  std::string h(kBlock, '\0');
  while (true) {
    if (pos + kBlock > file_size) {
      return Status::InvalidArgument(
          "not a custos backup (the archive ends without its end marker)",
          "不是 Custos 备份文件（缺少归档结束标记）");
    }
    CUSTOS_RETURN_IF_ERROR(PreadAll(fd, h.data(), kBlock, pos));
    if (h.find_first_not_of('\0') == std::string::npos) break;  // end of archive
    uint64_t stored = 0;
    for (int i = 148; i < 156 && h[i] >= '0' && h[i] <= '7'; ++i)
      stored = (stored << 3) | (h[i] - '0');
    uint64_t sum = 0;
    for (size_t i = 0; i < kBlock; ++i) {
      sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    }
    if (sum != stored)
      return Status::InvalidArgument("not a custos backup (a tar header is damaged)",
                                     "不是 Custos 备份文件（tar 头已损坏）");
    Member m;
    m.name = std::string(h.data(), ::strnlen(h.data(), 100));
    CUSTOS_ASSIGN_OR_RETURN(m.size, ParseSize(&h[124]));
    m.offset = pos + kBlock;
    if (m.offset + m.size > file_size) {
      return Status::InvalidArgument("the backup file ends early (truncated)",
                                     "备份文件不完整（提前结束）");
    }
    pos = m.offset + m.size + Padding(m.size);
    out.push_back(std::move(m));
  }
  return out;
}

struct Opened {
  std::unique_ptr<Fd> fd;
  Member payload;
  BackupManifest manifest;
};

Result<Opened> OpenBackup(const std::string& path) {
  Opened o;
  o.fd = std::make_unique<Fd>(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (o.fd->get() < 0) {
    if (errno == ENOENT)
      return Status::NotFound("no backup file " + path, "找不到备份文件 " + path);
    return Errno("opening " + path);
  }
  CUSTOS_ASSIGN_OR_RETURN(std::vector<Member> members, ListMembers(o.fd->get()));
  if (members.size() != 2 || members[0].name != kPayloadName || members[1].name != kManifestName) {
    return Status::InvalidArgument("not a custos backup (expected data.mdb and manifest.json)",
                                   "不是 Custos 备份文件（应包含 data.mdb 和 manifest.json）");
  }
  if (members[1].size > kMaxManifest) {
    return Status::InvalidArgument("the manifest is too large", "备份清单过大");
  }
  std::string text(members[1].size, '\0');
  CUSTOS_RETURN_IF_ERROR(PreadAll(o.fd->get(), text.data(), text.size(), members[1].offset));
  auto parsed = json::Parse(text);
  if (!parsed.ok()) {
    return Status::InvalidArgument("not a custos backup (manifest is not JSON)",
                                   "不是 Custos 备份文件（清单不是 JSON）");
  }
  CUSTOS_ASSIGN_OR_RETURN(o.manifest, BackupManifest::FromJson(*parsed));
  o.payload = members[0];
  if (o.payload.size != o.manifest.payload_size) {
    return Status::DataLoss("the payload has " + std::to_string(o.payload.size) +
                                " bytes, the manifest says " +
                                std::to_string(o.manifest.payload_size),
                            "备份数据有 " + std::to_string(o.payload.size) + " 字节，清单记载为 " +
                                std::to_string(o.manifest.payload_size) + " 字节");
  }
  return o;
}

// Streams the payload to `sink` (chunks), hashing it; kDataLoss when the
// hash differs from the manifest's.
Status StreamPayload(const Opened& o, const std::function<Status(std::string_view)>& sink) {
  Sha256Hasher hash;
  std::string buf(kChunk, '\0');
  for (uint64_t done = 0; done < o.payload.size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, o.payload.size - done));
    CUSTOS_RETURN_IF_ERROR(PreadAll(o.fd->get(), buf.data(), n, o.payload.offset + done));
    hash.Update(std::string_view(buf.data(), n));
    if (sink) CUSTOS_RETURN_IF_ERROR(sink(std::string_view(buf.data(), n)));
    done += n;
  }
  if (HexEncode(hash.Finish()) != o.manifest.payload_sha256) {
    return Status::DataLoss(
        "the payload's SHA-256 differs from the manifest's: the backup is "
        "damaged or was altered",
        "备份数据的 SHA-256 与清单不符：备份已损坏或被改动");
  }
  return Status::Ok();
}

}  // namespace

json::Value BackupManifest::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["format"] = std::string(kBackupFormat);
  o["created"] = FormatRfc3339Millis(created);
  o["log_name"] = log_name;
  o["verifier_key"] = verifier_key;
  o["log_size"] = log_size;
  o["checkpoint"] = checkpoint;
  o["checkpoint_size"] = checkpoint_size;
  o["key_version"] = static_cast<uint64_t>(key_version);
  o["payload"] = std::string(kPayloadName);
  o["payload_size"] = payload_size;
  o["payload_sha256"] = payload_sha256;
  return o;
}

Result<BackupManifest> BackupManifest::FromJson(const json::Value& v) {
  auto bad = [](const Status& s) {
    return Status::InvalidArgument("not a custos backup manifest: " + s.message(),
                                   "不是 Custos 备份清单（" + s.message() + "）");
  };
  if (!v.is_object()) {
    return Status::InvalidArgument("not a custos backup manifest", "不是 Custos 备份清单");
  }
  auto format = json::GetString(v, "format");
  if (!format.ok() || *format != kBackupFormat) {
    return Status::InvalidArgument("not a custos-backup/1 manifest",
                                   "不是 custos-backup/1 格式的备份清单");
  }
  BackupManifest m;
  auto created = json::GetString(v, "created");
  if (!created.ok()) return bad(created.status());
  auto t = ParseRfc3339(*created);
  if (!t.ok()) return bad(t.status());
  m.created = *t;
  for (auto [key, out] :
       {std::pair{"log_name", &m.log_name}, std::pair{"verifier_key", &m.verifier_key},
        std::pair{"checkpoint", &m.checkpoint}, std::pair{"payload_sha256", &m.payload_sha256}}) {
    auto s = json::GetString(v, key);
    if (!s.ok()) return bad(s.status());
    *out = std::move(*s);
  }
  for (auto [key, out] :
       {std::pair{"log_size", &m.log_size}, std::pair{"checkpoint_size", &m.checkpoint_size},
        std::pair{"payload_size", &m.payload_size}}) {
    auto n = json::GetIntOr(v, key, -1);
    if (!n.ok() || *n < 0) {
      return Status::InvalidArgument(std::string("manifest lacks ") + key,
                                     std::string("备份清单缺少 ") + key);
    }
    *out = static_cast<uint64_t>(*n);
  }
  auto kv = json::GetIntOr(v, "key_version", -1);
  if (!kv.ok() || *kv < 0) {
    return Status::InvalidArgument("manifest lacks key_version", "备份清单缺少 key_version");
  }
  m.key_version = static_cast<uint32_t>(*kv);
  if (m.payload_sha256.size() != 64)
    return Status::InvalidArgument("manifest's payload_sha256 is malformed",
                                   "备份清单的 payload_sha256 格式无效");
  return m;
}

Result<BackupManifest> WriteBackup(const Vault& vault, const AuditLog& log,
                                   const std::string& out_path) {
  if (std::filesystem::exists(out_path)) {
    return Status::AlreadyExists(out_path + " exists; a backup never replaces a file",
                                 out_path + " 已存在；备份从不覆盖已有文件");
  }
  BackupManifest m;
  m.created = NowMillis();
  m.log_name = log.name();
  m.verifier_key = log.VerifierKey();
  {
    // The checkpoint first: the copy, a later snapshot, extends it.
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(m.log_size, log.Size(*txn));
    CUSTOS_ASSIGN_OR_RETURN(std::vector<uint64_t> sizes, log.CheckpointSizes(*txn));
    if (!sizes.empty()) {
      m.checkpoint_size = sizes.back();
      CUSTOS_ASSIGN_OR_RETURN(m.checkpoint, log.CheckpointAt(*txn, m.checkpoint_size));
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(VaultInfo info, vault.Info());
  m.key_version = info.key_version;

  const std::string partial = out_path + ".partial";
  // SECURITY: a new file of our own, never one found there. What an
  // interrupted backup left goes first; a link planted at the name is
  // removed, not followed (the backup would overwrite what it points to),
  // and one planted again meanwhile fails the O_EXCL.
  if (::unlink(partial.c_str()) != 0 && errno != ENOENT) {
    return Errno("removing the leftover " + partial);
  }
  Fd out(::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (out.get() < 0) return Errno("creating " + partial);
  auto fail = [&](Status s) {
    out.Close();
    ::unlink(partial.c_str());
    return s;
  };
  if (Status s = WriteAll(out.get(), TarHeader(kPayloadName, 0, m.created)); !s.ok())
    return fail(s);

  // LMDB writes the copy into a pipe from its own thread; this one hashes
  // and stores it: one pass over the data.
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(Errno("creating a pipe"));
  Fd reader(fds[0]);
  // LMDB writes 1 MiB at a time: a pipe that holds it saves most of the
  // context switches (best effort; the default 64 KiB works too).
  (void)::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(kChunk));
  Status copied;
  std::thread copier([&vault, &copied, fd = fds[1]] {
    copied = vault.CopyTo(fd);
    ::close(fd);
  });
  Sha256Hasher hash;
  Status stored;
  std::string buf(kChunk, '\0');
  while (true) {
    const ssize_t n = ::read(reader.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (stored.ok()) stored = Errno("reading the copy");
      break;
    }
    if (n == 0) break;
    if (!stored.ok()) continue;  // drain, so the copier can finish
    const std::string_view piece(buf.data(), static_cast<size_t>(n));
    hash.Update(piece);
    m.payload_size += piece.size();
    stored = WriteAll(out.get(), piece);
  }
  copier.join();
  if (!copied.ok()) return fail(copied);
  if (!stored.ok()) return fail(stored);
  m.payload_sha256 = HexEncode(hash.Finish());

  const std::string header = TarHeader(kPayloadName, m.payload_size, m.created);
  if (::pwrite(out.get(), header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
    return fail(Errno("writing the backup"));
  }
  const std::string manifest = json::Serialize(m.ToJson()) + "\n";
  std::string tail(Padding(m.payload_size), '\0');
  tail += TarHeader(kManifestName, manifest.size(), m.created);
  tail += manifest;
  tail += std::string(Padding(manifest.size()) + 2 * kBlock, '\0');
  if (Status s = WriteAll(out.get(), tail); !s.ok()) return fail(s);
  if (::fsync(out.get()) != 0) return fail(Errno("syncing the backup"));
  out.Close();
  // link(2) refuses an existing name atomically (rename would replace it).
  if (::link(partial.c_str(), out_path.c_str()) != 0) {
    Status s = errno == EEXIST
                   ? Status::AlreadyExists(out_path + " appeared meanwhile; it was not replaced",
                                           out_path + " 在备份期间出现，未被覆盖")
                   : Errno("moving the backup into place");
    ::unlink(partial.c_str());
    return s;
  }
  ::unlink(partial.c_str());
  CUSTOS_RETURN_IF_ERROR(SyncDir(out_path));
  return m;
}

Result<BackupManifest> ReadBackupManifest(const std::string& path) {
  CUSTOS_ASSIGN_OR_RETURN(Opened o, OpenBackup(path));
  return o.manifest;
}

Result<BackupManifest> CheckBackupFile(const std::string& path) {
  CUSTOS_ASSIGN_OR_RETURN(Opened o, OpenBackup(path));
  CUSTOS_RETURN_IF_ERROR(StreamPayload(o, nullptr));
  return o.manifest;
}

Result<std::string> ReadCheckpointFile(const std::string& path) {
  auto m = ReadBackupManifest(path);
  if (m.ok()) {
    if (m->checkpoint.empty()) {
      return Status::NotFound(path + ": the backup carries no checkpoint",
                              path + "：备份中没有检查点");
    }
    return m->checkpoint;
  }
  if (m.status().code() == StatusCode::kNotFound) return m.status();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Errno("opening " + path);
  std::string text(8192, '\0');
  size_t used = 0;
  while (used < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("reading " + path);
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  text.resize(used);
  if (text.empty() || used == 8192 || text.find("\n\n") == std::string::npos) {
    return Status::InvalidArgument(path + " holds neither a custos backup nor a signed checkpoint",
                                   path + " 既不是 Custos 备份，也不是签名的检查点");
  }
  return text;
}

namespace {

// The files ExtractBackup and opening its copy put in `dir`.
void RemoveExtractedFiles(const std::string& dir) {
  std::error_code ec;
  for (const char* f : {"data.mdb", "data.mdb.partial", "lock.mdb", "custos.lock"}) {
    std::filesystem::remove(std::filesystem::path(dir) / f, ec);
  }
}

// What a restore may write into: never a vault, nor a directory with
// anything in it ("it was not touched").
Status NoVaultIn(const std::string& dir) {
  if (!Vault::Exists(dir)) return Status::Ok();
  return Status::AlreadyExists("a vault already exists in " + dir + "; it was not touched",
                               dir + " 中已有保管库，未作任何改动");
}
Status EmptyOrMissing(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec) || std::filesystem::is_empty(dir, ec)) return Status::Ok();
  return Status::AlreadyExists(dir + " is not empty; restore into a new or empty directory",
                               dir + " 不是空目录；请恢复到新目录或空目录");
}

}  // namespace

void RemoveExtracted(const std::string& dir) {
  RemoveExtractedFiles(dir);
  std::error_code ec;
  if (std::filesystem::is_empty(dir, ec)) std::filesystem::remove(dir, ec);
}

Result<BackupManifest> ExtractBackup(const std::string& path, const std::string& dir) {
  std::error_code ec;
  const bool created = !std::filesystem::exists(dir, ec);
  // What this call wrote goes on any error; a directory that was there
  // before stays, as it was.
  const auto undo = [&] {
    RemoveExtractedFiles(dir);
    if (created) std::filesystem::remove(dir, ec);
  };
  CUSTOS_RETURN_IF_ERROR(NoVaultIn(dir));
  CUSTOS_RETURN_IF_ERROR(EmptyOrMissing(dir));
  CUSTOS_ASSIGN_OR_RETURN(Opened o, OpenBackup(path));
  if (created) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::Internal("creating " + dir + ": " + ec.message());
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  const std::string partial = (std::filesystem::path(dir) / "data.mdb.partial").string();
  const std::string final_path = (std::filesystem::path(dir) / "data.mdb").string();
  Fd out(::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) {
    Status s = Errno("creating " + partial);
    undo();
    return s;
  }
  Status s =
      StreamPayload(o, [&](std::string_view piece) { return WriteAll(out.get(), piece, partial); });
  if (s.ok() && ::fsync(out.get()) != 0) s = Errno("syncing " + partial);
  out.Close();
  if (s.ok() && ::rename(partial.c_str(), final_path.c_str()) != 0)
    s = Errno("renaming " + partial);
  if (s.ok()) s = SyncDir(final_path);
  if (!s.ok()) {
    undo();
    return s;
  }
  return o.manifest;
}

Result<BackupCheck> CheckExtractedBackup(const std::string& dir, const BackupManifest& manifest,
                                         const SecretBytes& passphrase) {
  OpenOptions read_only;
  read_only.read_only = true;
  read_only.compact_copy = true;  // a backup's payload is a compacted copy
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<Vault> vault, Vault::Open(dir, passphrase, read_only));
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> log, AuditLog::Open(*vault));
  return VerifyOpenedBackup(*vault, *log, manifest);
}

Result<BackupCheck> RestoreBackup(const std::string& path, const std::string& dir,
                                  const SecretBytes& passphrase) {
  namespace fs = std::filesystem;
  std::error_code ec;
  CUSTOS_RETURN_IF_ERROR(NoVaultIn(dir));
  const fs::path staging = fs::path(dir) / kRestoreStaging;
  // An earlier restore here that was stopped, or crashed, before its check
  // ended: its copy was never a vault in `dir`.
  if (fs::exists(fs::symlink_status(staging, ec))) {
    fs::remove_all(staging, ec);
    if (ec) {
      return Status::Internal("an unfinished restore's copy in " + staging.string() +
                              " cannot be removed: " + ec.message());
    }
  }
  CUSTOS_RETURN_IF_ERROR(EmptyOrMissing(dir));
  const bool created = !fs::exists(dir, ec);
  if (created) {
    fs::create_directories(dir, ec);
    if (ec) return Status::Internal("creating " + dir + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  const auto undo = [&](Status s) {
    fs::remove_all(staging, ec);
    if (created) fs::remove(dir, ec);
    return s;
  };
  auto manifest = ExtractBackup(path, staging.string());
  if (!manifest.ok()) return undo(manifest.status());
  auto check = CheckExtractedBackup(staging.string(), *manifest, passphrase);
  if (!check.ok()) return undo(check.status());
  // Proven: only now does `dir` hold a vault.
  const std::string final_path = (fs::path(dir) / "data.mdb").string();
  if (::rename((staging / "data.mdb").c_str(), final_path.c_str()) != 0) {
    return undo(Errno("moving the checked copy to " + final_path));
  }
  if (Status synced = SyncDir(final_path); !synced.ok()) {
    // Not known to be durable: taken back, as every other failure is.
    fs::remove(final_path, ec);
    return undo(synced);
  }
  fs::remove_all(staging, ec);
  return check;
}

std::string DamagedList(const ScrubReport& report, size_t max) {
  std::string list;
  for (size_t i = 0; i < report.damaged.size() && i < max; ++i) {
    const ScrubFinding& f = report.damaged[i];
    list += (i == 0 ? "" : "; ") + f.table + (f.key_hex.empty() ? "" : " key " + f.key_hex);
  }
  return list;
}

Result<BackupCheck> VerifyOpenedBackup(const Vault& vault, const AuditLog& log,
                                       const BackupManifest& manifest) {
  BackupCheck c;
  if (log.name() != manifest.log_name) {
    return Status::DataLoss(
        "the backup's vault is not the one its manifest names (log " + log.name() + ", manifest " +
            manifest.log_name + ")",
        "备份中的保管库与清单所指不符（日志 " + log.name() + "，清单 " + manifest.log_name + "）");
  }
  // Two vaults may carry one name (every demo vault does): the key tells.
  if (log.VerifierKey() != manifest.verifier_key) {
    return Status::DataLoss(
        "the backup's vault is not the one its manifest names: its log " + log.name() +
            " is signed with another key",
        "备份中的保管库与清单所指不符：其日志 " + log.name() + " 的签名密钥不同");
  }
  // The keys the copy holds are the ones the manifest says it was made
  // under (an edited manifest, or a payload from another copy, says not).
  CUSTOS_ASSIGN_OR_RETURN(VaultInfo info, vault.Info());
  if (info.key_version != manifest.key_version) {
    return Status::DataLoss("the backup's vault is at key version " +
                                std::to_string(info.key_version) + ", its manifest says " +
                                std::to_string(manifest.key_version),
                            "备份中保管库的密钥版本为 " + std::to_string(info.key_version) +
                                "，与清单记载的 " + std::to_string(manifest.key_version) + " 不符");
  }
  auto audit = log.Verify();
  if (!audit.ok()) {
    return audit.status().Annotate("the backup's audit log does not verify",
                                   "备份中的审计日志未通过验证");
  }
  c.audit = *audit;
  if (c.audit.size < manifest.log_size) {
    return Status::DataLoss(
        "the backup's log has " + std::to_string(c.audit.size) +
            " events, fewer than the manifest's " + std::to_string(manifest.log_size),
        "备份中的日志有 " + std::to_string(c.audit.size) + " 条事件，少于清单记载的 " +
            std::to_string(manifest.log_size) + " 条");
  }
  if (!manifest.checkpoint.empty()) {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault.BeginRead());
    auto size = log.VerifyExtends(*txn, manifest.checkpoint);
    if (!size.ok()) {
      return Status::DataLoss(
          "the backup's log does not extend its manifest's checkpoint: " + size.status().message(),
          "备份中的日志不是其清单检查点的延续（" + size.status().message() + "）");
    }
    c.checkpoint_size = *size;
  }
  CUSTOS_ASSIGN_OR_RETURN(c.scrub, vault.Scrub());
  if (!c.scrub.damaged.empty()) {
    return Status::DataLoss(std::to_string(c.scrub.damaged.size()) +
                                " damaged entries in the backup: " + DamagedList(c.scrub, 10),
                            "备份中有 " + std::to_string(c.scrub.damaged.size()) +
                                " 个条目已损坏：" + DamagedList(c.scrub, 10));
  }
  return c;
}

}  // namespace custos::vault
