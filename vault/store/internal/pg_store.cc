// The PostgreSQL store (kv_store.h): every table of the vault in one
// PostgreSQL table, custos_kv(t, k, v), keyed by (t, k). Several processes
// (`custos serve` nodes) may open it at once:
//
// - A write transaction takes a transaction-level advisory lock first, so
//   writers of every node run one after the other: the audit log has one
//   order and a quota holds across nodes. It runs at READ COMMITTED, so
//   every statement after the lock sees what earlier writers committed.
// - A read transaction is REPEATABLE READ: one snapshot throughout.
// - A commit is acknowledged when COMMIT returns, with synchronous_commit
//   at least `on` (a session that is configured lower is raised to `on`;
//   `remote_apply` with a synchronous standby is kept).
//
// PostgreSQL only ever sees sealed values and keys (ids, sequence numbers,
// blind-index hashes). Error messages carry PostgreSQL's primary message
// and SQLSTATE only, never a statement's parameters.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include <libpq-fe.h>

#include "vault/store/internal/kv_store.h"
#include "vault/store/vault.h"

namespace custos::vault::internal {

namespace {

// The two advisory locks of a vault (the writers', the leader's) have keys
// of their own per database and schema: vaults in two schemas of one
// database neither wait for nor lead each other. Computed once at open.
constexpr const char* kLockKeys =
    "SELECT ('x' || substr(md5(current_database() || '/' || current_schema() || "
    "'/custos.writer'), 1, 16))::bit(64)::bigint, "
    "('x' || substr(md5(current_database() || '/' || current_schema() || "
    "'/custos.leader'), 1, 16))::bit(64)::bigint";

// Values are sealed, so compressing them is wasted work: stored EXTERNAL.
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS custos_kv (t text NOT NULL, k bytea NOT NULL, "
    "v bytea NOT NULL, PRIMARY KEY (t, k)); "
    "ALTER TABLE custos_kv ALTER COLUMN v SET STORAGE EXTERNAL";

// The metadata key that marks a vault (vault.cc writes it first).
constexpr std::string_view kFormatKeyName = "format_version";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, ConnDeleter>;

// What went wrong, without the statement's parameters.
Status PgError(const PGresult* r, PGconn* conn, std::string_view what) {
  std::string m(what);
  m += ": ";
  const char* primary = r != nullptr ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  if (primary != nullptr) {
    m += primary;
  } else {
    std::string text = PQerrorMessage(conn);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    m += text.empty() ? "no answer from PostgreSQL" : text;
  }
  if (state != nullptr) {
    m += " (SQLSTATE ";
    m += state;
    m += ")";
    const std::string_view s(state);
    if (s == "23505") return Status::AlreadyExists(m);
    if (s == "40001" || s == "40P01") return Status::Aborted(m);
    if (s == "53100") return Status::ResourceExhausted(m + " (disk full)");
    if (s.substr(0, 2) == "28") return Status::PermissionDenied(m);
    if (s == "42501") return Status::PermissionDenied(m);
  }
  if (PQstatus(conn) != CONNECTION_OK) m += " (the connection to PostgreSQL is lost)";
  return Status::Unavailable(m);
}

// The smallest key greater than every key that starts with `prefix`; empty
// when there is none (the prefix is empty or all 0xFF).
std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

std::string_view Cell(const PGresult* r, int row, int col) {
  return std::string_view(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col)));
}

class PgStore;

// One connection, its prepared statements, and a way to run them with
// binary parameters and results.
class Conn {
 public:
  explicit Conn(PgConn c) : conn_(std::move(c)) {}
  PGconn* get() const { return conn_.get(); }
  bool healthy() const { return PQstatus(conn_.get()) == CONNECTION_OK; }

  // A statement without parameters (BEGIN, SAVEPOINT…).
  Status Exec(const char* sql, std::string_view what) {
    PgResult r(PQexec(conn_.get(), sql));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PgError(r.get(), conn_.get(), what);
    return Status::Ok();
  }

  // Runs prepared statement `name` with text table name and binary
  // key/value parameters; results in binary.
  Result<PgResult> Run(const char* name, std::initializer_list<std::string_view> params,
                       std::string_view what) {
    const char* values[6];
    int lengths[6];
    int formats[6];
    int n = 0;
    for (std::string_view p : params) {
      values[n] = p.data() != nullptr ? p.data() : "";
      lengths[n] = static_cast<int>(p.size());
      formats[n] = n == 0 ? 0 : 1;  // $1 is the table's name (text)
      ++n;
    }
    // Text parameters are NUL-terminated strings: the table's name is
    // passed through a copy.
    std::string table(params.begin()[0]);
    values[0] = table.c_str();
    PgResult r(PQexecPrepared(conn_.get(), name, n, values, lengths, formats, 1));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PgError(r.get(), conn_.get(), what);
    return r;
  }

  Status Prepare();

 private:
  PgConn conn_;
};

Status Conn::Prepare() {
  static constexpr struct {
    const char* name;
    const char* sql;
  } kStatements[] = {
      {"get", "SELECT v FROM custos_kv WHERE t = $1 AND k = $2"},
      {"put",
       "INSERT INTO custos_kv (t, k, v) VALUES ($1, $2, $3) "
       "ON CONFLICT (t, k) DO UPDATE SET v = EXCLUDED.v"},
      {"insert", "INSERT INTO custos_kv (t, k, v) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"},
      {"append",
       "INSERT INTO custos_kv (t, k, v) SELECT $1, $2, $3 WHERE NOT EXISTS "
       "(SELECT 1 FROM custos_kv WHERE t = $1 AND k >= $2)"},
      {"delete", "DELETE FROM custos_kv WHERE t = $1 AND k = $2"},
      {"count", "SELECT count(*) FROM custos_kv WHERE t = $1"},
      // Scans, a page at a time (the last parameter: how many rows), from
      // $2, and below $3 when bounded.
      {"fwd", "SELECT k, v FROM custos_kv WHERE t = $1 AND k >= $2 ORDER BY k LIMIT $3"},
      {"fwd_to",
       "SELECT k, v FROM custos_kv WHERE t = $1 AND k >= $2 AND k < $3 ORDER BY k LIMIT $4"},
      {"rev", "SELECT k, v FROM custos_kv WHERE t = $1 AND k >= $2 ORDER BY k DESC LIMIT $3"},
      {"rev_to",
       "SELECT k, v FROM custos_kv WHERE t = $1 AND k >= $2 AND k < $3 ORDER BY k DESC LIMIT "
       "$4"},
  };
  for (const auto& s : kStatements) {
    PgResult r(PQprepare(conn_.get(), s.name, s.sql, 0, nullptr));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      return PgError(r.get(), conn_.get(), "preparing the store's statements");
  }
  return Status::Ok();
}

class PgStore final : public KvStore {
 public:
  static Result<std::unique_ptr<KvStore>> Open(const std::string& url, const KvOpen& how);

  Result<std::unique_ptr<KvTxn>> BeginRead() const override;
  Result<std::unique_ptr<KvTxn>> BeginWrite() override;
  Status PrepareTables() override { return Status::Ok(); }
  Status Grow() override { return Status::ResourceExhausted("the PostgreSQL database is full"); }
  uint64_t MapSize() const override { return 0; }
  Status CopyTo(int fd) const override;
  Result<bool> Lead() override;
  bool shared() const override { return true; }

  // A connection from the pool, or a new one.
  Result<std::unique_ptr<Conn>> Take() const;
  // Back to the pool, unless it is broken.
  void Give(std::unique_ptr<Conn> conn) const;
  // A connection on which `begin` (a BEGIN statement) succeeded.
  Result<std::unique_ptr<Conn>> TakeBegun(const char* begin, std::string_view what) const;

 private:
  std::string url_;
  bool read_only_ = false;
  // The statements that take this vault's advisory locks (kLockKeys): a
  // transaction-level lock for writers, a session-level one for the leader.
  std::string writer_lock_;
  std::string leader_lock_;
  // The leader's session (Lead): holds the session advisory lock while it
  // lives.
  std::mutex lead_mu_;
  std::unique_ptr<Conn> lead_;
  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<Conn>> idle_;
};

// What a transaction has read or written, by table and key, so that the
// requests of one group-committed batch, which read the same user, policy,
// record and log state, do not each pay a round trip for it. Valid for the
// transaction only: its snapshot (a read), or its own writes after the
// writers' lock (a write; no other writer runs meanwhile). Dropped whole
// when a nested transaction rolls back. Values keep their addresses until
// the transaction ends, as Get promises.
class TxnCache {
 public:
  // Null when unknown; else the entry (its value null when known absent).
  const std::string* const* Find(Table table, std::string_view key) const {
    auto it = map_.find(Key(table, key));
    return it == map_.end() ? nullptr : &it->second;
  }
  const std::string* Remember(Table table, std::string_view key,
                              std::optional<std::string_view> value) {
    const std::string* at = nullptr;
    if (value) at = &kept_.emplace_back(*value);
    map_[Key(table, key)] = at;
    return at;
  }
  void Clear() { map_.clear(); }

 private:
  static std::string Key(Table table, std::string_view key) {
    std::string k(table);
    k.push_back('\0');
    k.append(key);
    return k;
  }
  std::unordered_map<std::string, const std::string*> map_;
  std::deque<std::string> kept_;
};

class PgTxn final : public KvTxn {
 public:
  // Top level: owns `conn` (returned to the pool at the end).
  PgTxn(const PgStore* store, std::unique_ptr<Conn> conn, bool writable)
      : store_(store),
        owned_(std::move(conn)),
        conn_(owned_.get()),
        writable_(writable),
        own_cache_(std::make_unique<TxnCache>()),
        cache_(own_cache_.get()) {}
  // Nested: a savepoint on the parent's connection, sharing its cache.
  PgTxn(Conn* conn, int depth, TxnCache* cache)
      : conn_(conn), writable_(true), depth_(depth), cache_(cache) {}
  ~PgTxn() override;

  Result<std::string_view> Get(Table table, std::string_view key) override;
  Status Scan(Table table, std::string_view prefix, std::string_view from, bool reverse,
              const RawFn& fn) override;
  Result<uint64_t> Count(Table table) override;
  Status Put(Table table, std::string_view key, std::string_view value, PutMode mode) override;
  Status Delete(Table table, std::string_view key) override;
  Result<std::unique_ptr<KvTxn>> BeginNested() override;
  Status Commit() override;

 private:
  std::string Savepoint() const { return "custos_sp" + std::to_string(depth_); }

  const PgStore* store_ = nullptr;
  std::unique_ptr<Conn> owned_;
  Conn* conn_;
  bool writable_;
  int depth_ = 0;  // 0: top level
  bool open_ = true;
  std::unique_ptr<TxnCache> own_cache_;  // top level only
  TxnCache* cache_;
};

PgTxn::~PgTxn() {
  if (!open_) return;
  if (depth_ > 0) {
    cache_->Clear();  // its writes are undone
    const std::string sp = Savepoint();
    (void)conn_->Exec(("ROLLBACK TO SAVEPOINT " + sp).c_str(), "rolling back");
    (void)conn_->Exec(("RELEASE SAVEPOINT " + sp).c_str(), "rolling back");
    return;
  }
  if (conn_->Exec("ROLLBACK", "ending a transaction").ok()) store_->Give(std::move(owned_));
}

Result<std::string_view> PgTxn::Get(Table table, std::string_view key) {
  if (const std::string* const* known = cache_->Find(table, key)) {
    if (*known == nullptr) return Status::NotFound("no such entry in " + std::string(table));
    return std::string_view(**known);
  }
  CUSTOS_ASSIGN_OR_RETURN(PgResult r,
                          conn_->Run("get", {table, key}, "reading " + std::string(table)));
  if (PQntuples(r.get()) == 0) {
    cache_->Remember(table, key, std::nullopt);
    return Status::NotFound("no such entry in " + std::string(table));
  }
  return std::string_view(*cache_->Remember(table, key, Cell(r.get(), 0, 0)));
}

Status PgTxn::Scan(Table table, std::string_view prefix, std::string_view from, bool reverse,
                   const RawFn& fn) {
  const std::string end = PrefixEnd(prefix);
  std::string low(reverse ? prefix : (from > prefix ? from : prefix));
  std::string high = end;  // exclusive; "" = unbounded
  // Small first pages: many scans stop at the first key (LastKeyWithPrefix).
  int64_t page = 16;
  while (true) {
    const std::string limit = EncodeU64(static_cast<uint64_t>(page));  // int8, binary
    const std::string what = "scanning " + std::string(table);
    Result<PgResult> r =
        !reverse ? (high.empty() ? conn_->Run("fwd", {table, low, limit}, what)
                                 : conn_->Run("fwd_to", {table, low, high, limit}, what))
                 : (high.empty() ? conn_->Run("rev", {table, low, limit}, what)
                                 : conn_->Run("rev_to", {table, low, high, limit}, what));
    if (!r.ok()) return r.status();
    const int rows = PQntuples(r->get());
    for (int i = 0; i < rows; ++i) {
      const std::string_view key = Cell(r->get(), i, 0);
      Result<bool> more = fn(key, Cell(r->get(), i, 1));
      if (!more.ok()) return more.status();
      if (!*more) return Status::Ok();
    }
    if (rows < page) return Status::Ok();
    const std::string_view last = Cell(r->get(), rows - 1, 0);
    if (!reverse) {
      low = std::string(last);
      low.push_back('\0');  // the next key after `last`
    } else {
      high = std::string(last);
    }
    page = std::min<int64_t>(page * 4, 1024);
  }
}

Result<uint64_t> PgTxn::Count(Table table) {
  CUSTOS_ASSIGN_OR_RETURN(PgResult r,
                          conn_->Run("count", {table}, "counting " + std::string(table)));
  return DecodeU64(Cell(r.get(), 0, 0));  // int8, binary
}

Status PgTxn::Put(Table table, std::string_view key, std::string_view value, PutMode mode) {
  if (!writable_) return Status::FailedPrecondition("a read transaction cannot write");
  const char* stmt = mode == PutMode::kInsert   ? "insert"
                     : mode == PutMode::kAppend ? "append"
                                                : "put";
  CUSTOS_ASSIGN_OR_RETURN(PgResult r,
                          conn_->Run(stmt, {table, key, value}, "writing " + std::string(table)));
  if (mode != PutMode::kReplace && std::strcmp(PQcmdTuples(r.get()), "0") == 0) {
    return Status::AlreadyExists(
        mode == PutMode::kAppend ? "key does not sort after the last entry of " + std::string(table)
                                 : "entry already exists in " + std::string(table));
  }
  cache_->Remember(table, key, value);
  return Status::Ok();
}

Status PgTxn::Delete(Table table, std::string_view key) {
  if (!writable_) return Status::FailedPrecondition("a read transaction cannot write");
  CUSTOS_ASSIGN_OR_RETURN(
      PgResult r, conn_->Run("delete", {table, key}, "deleting from " + std::string(table)));
  if (std::strcmp(PQcmdTuples(r.get()), "0") == 0)
    return Status::NotFound("no such entry in " + std::string(table));
  cache_->Remember(table, key, std::nullopt);
  return Status::Ok();
}

Result<std::unique_ptr<KvTxn>> PgTxn::BeginNested() {
  if (!writable_) return Status::FailedPrecondition("a read transaction cannot nest");
  auto child = std::make_unique<PgTxn>(conn_, depth_ + 1, cache_);
  CUSTOS_RETURN_IF_ERROR(conn_->Exec(("SAVEPOINT " + child->Savepoint()).c_str(), "nesting"));
  return std::unique_ptr<KvTxn>(std::move(child));
}

Status PgTxn::Commit() {
  if (depth_ > 0) {
    Status released = conn_->Exec(("RELEASE SAVEPOINT " + Savepoint()).c_str(), "committing");
    // Unreleased, the destructor rolls back to the savepoint, which makes
    // the parent usable again.
    if (released.ok()) open_ = false;
    return released;
  }
  open_ = false;
  PgResult r(PQexec(conn_->get(), "COMMIT"));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    if (!conn_->healthy()) {
      // SECURITY: the outcome is unknown; nobody is told it succeeded.
      return Status::Unavailable(
          "the connection to PostgreSQL was lost during COMMIT: whether the write landed is "
          "unknown, and it is not acknowledged");
    }
    return PgError(r.get(), conn_->get(), "committing");
  }
  // SECURITY: PostgreSQL answers COMMIT of a transaction in which a
  // statement failed by rolling it back, with the tag ROLLBACK and no error.
  if (std::string_view(PQcmdStatus(r.get())) != "COMMIT") {
    return Status::Aborted(
        "PostgreSQL rolled the transaction back after an error in one of its statements: "
        "nothing of it was written");
  }
  store_->Give(std::move(owned_));
  return Status::Ok();
}

Result<std::unique_ptr<Conn>> PgStore::Take() const {
  {
    std::lock_guard lock(pool_mu_);
    while (!idle_.empty()) {
      std::unique_ptr<Conn> c = std::move(idle_.back());
      idle_.pop_back();
      if (c->healthy()) return c;
    }
  }
  auto conn = std::make_unique<Conn>(PgConn(PQconnectdb(url_.c_str())));
  if (conn->get() == nullptr)
    return Status::ResourceExhausted("out of memory connecting to PostgreSQL");
  if (!conn->healthy()) {
    std::string text = PQerrorMessage(conn->get());
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return Status::Unavailable("cannot connect to PostgreSQL at " + url_ + ": " + text);
  }
  // Durability: a commit is acknowledged once it is flushed at least
  // locally. A session configured for less is raised to `on`.
  {
    PgResult r(PQexec(conn->get(), "SHOW synchronous_commit"));
    if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK)
      return PgError(r.get(), conn->get(), "reading synchronous_commit");
    const std::string level = PQgetvalue(r.get(), 0, 0);
    if (level == "off" || level == "local" || level == "remote_write") {
      // `local` and `remote_write` flush locally but may acknowledge
      // before a synchronous standby has the commit; `on` waits for it.
      CUSTOS_RETURN_IF_ERROR(
          conn->Exec("SET synchronous_commit TO on", "setting synchronous_commit"));
    }
  }
  CUSTOS_RETURN_IF_ERROR(conn->Prepare());
  return conn;
}

void PgStore::Give(std::unique_ptr<Conn> conn) const {
  if (!conn || !conn->healthy()) return;
  std::lock_guard lock(pool_mu_);
  if (idle_.size() < 32) idle_.push_back(std::move(conn));
}

Result<std::unique_ptr<Conn>> PgStore::TakeBegun(const char* begin, std::string_view what) const {
  // A pooled connection may have died since it was last used (the server
  // restarted, a failover): PostgreSQL says so only when it is used. Such a
  // connection is dropped and the next one tried, down to a new one.
  for (int attempt = 0; attempt < 64; ++attempt) {
    CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Take());
    Status begun = conn->Exec(begin, what);
    if (begun.ok()) return conn;
    if (conn->healthy()) return begun;
  }
  return Status::Unavailable("no usable connection to PostgreSQL at " + url_);
}

Result<std::unique_ptr<KvTxn>> PgStore::BeginRead() const {
  CUSTOS_ASSIGN_OR_RETURN(
      std::unique_ptr<Conn> conn,
      TakeBegun("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "beginning a read"));
  return std::unique_ptr<KvTxn>(new PgTxn(this, std::move(conn), false));
}

Result<std::unique_ptr<KvTxn>> PgStore::BeginWrite() {
  if (read_only_) return Status::FailedPrecondition("the store is open read-only");
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn,
                          TakeBegun("BEGIN ISOLATION LEVEL READ COMMITTED", "beginning a write"));
  // One writer at a time across every node, from here to COMMIT or
  // ROLLBACK. (Should this fail, the connection is dropped, which ends the
  // transaction.)
  CUSTOS_RETURN_IF_ERROR(conn->Exec(writer_lock_.c_str(), "waiting for the writers' lock"));
  return std::unique_ptr<KvTxn>(new PgTxn(this, std::move(conn), true));
}

Result<bool> PgStore::Lead() {
  if (read_only_) return false;
  std::lock_guard lock(lead_mu_);
  if (lead_) {
    // Still ours while the session lives: a round trip proves it.
    if (lead_->Exec("SELECT 1", "checking the lead").ok()) return true;
    lead_.reset();  // the session (and with it the lock) is gone
  }
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Take());
  PgResult r(PQexec(conn->get(), leader_lock_.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK)
    return PgError(r.get(), conn->get(), "taking the lead");
  if (std::string_view(PQgetvalue(r.get(), 0, 0)) != "t") {
    Give(std::move(conn));
    return false;
  }
  lead_ = std::move(conn);
  return true;
}

Result<std::unique_ptr<KvStore>> PgStore::Open(const std::string& url, const KvOpen& how) {
  std::unique_ptr<PgStore> s(new PgStore());
  s->url_ = url;
  s->read_only_ = how.read_only;
  {
    // The schema first, on a connection of its own: the pool's connections
    // prepare statements that need the table.
    PgConn raw(PQconnectdb(url.c_str()));
    if (!raw) return Status::ResourceExhausted("out of memory connecting to PostgreSQL");
    if (PQstatus(raw.get()) != CONNECTION_OK) {
      return PgError(nullptr, raw.get(), "cannot connect to PostgreSQL at " + url);
    }
    Conn conn(std::move(raw));
    PgResult r(PQexec(conn.get(), "SELECT to_regclass('custos_kv') IS NOT NULL"));
    if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK)
      return PgError(r.get(), conn.get(), "looking for the vault's table");
    const bool have_table = std::string_view(PQgetvalue(r.get(), 0, 0)) == "t";
    PgResult keys(PQexec(conn.get(), kLockKeys));
    if (!keys || PQresultStatus(keys.get()) != PGRES_TUPLES_OK)
      return PgError(keys.get(), conn.get(), "naming the vault's locks");
    s->writer_lock_ =
        std::string("SELECT pg_advisory_xact_lock(") + PQgetvalue(keys.get(), 0, 0) + ")";
    s->leader_lock_ =
        std::string("SELECT pg_try_advisory_lock(") + PQgetvalue(keys.get(), 0, 1) + ")";
    if (!have_table) {
      if (!how.create) return Status::NotFound("no vault in " + url + " (run custos init --store)");
      CUSTOS_RETURN_IF_ERROR(conn.Exec(kSchema, "creating the vault's table"));
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<KvTxn> txn, s->BeginRead());
  auto format = txn->Get(tables::kMeta, kFormatKeyName);
  if (format.ok() && how.create)
    return Status::AlreadyExists("a vault already exists in " + url + "; it was not touched");
  if (!format.ok()) {
    if (format.status().code() != StatusCode::kNotFound) return format.status();
    if (!how.create) return Status::NotFound("no vault in " + url + " (run custos init --store)");
  }
  txn.reset();
  return std::unique_ptr<KvStore>(std::move(s));
}

Status PgStore::CopyTo(int fd) const {
  // Backups take the form of an LMDB data file whatever the store: the
  // entries (sealed, as stored) go into a scratch LMDB environment, which
  // is then copied compacted. The scratch directory holds no plaintext and
  // is removed.
  const char* base = std::getenv("TMPDIR");
  std::string dir_template =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/custos-copy-XXXXXX";
  std::vector<char> buf(dir_template.begin(), dir_template.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    return Status::Unavailable("cannot make a scratch directory for the copy");
  const std::string dir(buf.data());
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  KvOpen how;
  how.create = true;
  // mkdtemp made the directory; create an LMDB vault store inside it.
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> scratch, OpenLmdbStore(dir + "/v", how));
  CUSTOS_RETURN_IF_ERROR(CopyEntries(*this, *scratch));
  return scratch->CopyTo(fd);
}

}  // namespace

Result<std::unique_ptr<KvStore>> OpenPgStore(const std::string& url, const KvOpen& how) {
  return PgStore::Open(url, how);
}

}  // namespace custos::vault::internal
