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
// - Early release: a transaction that wrote only the audited views' tables
//   (tables::kEarlyReleaseTables) commits with synchronous_commit off, so
//   the writers' lock goes with COMMIT instead of after the flush, and the
//   other nodes' writers run during it. In the same round trip a barrier
//   follows: a small transaction of its own, committed at the session's
//   level, whose log record comes after COMMIT's. PostgreSQL flushes and
//   replicates its log in order, so when the barrier returns the
//   transaction is durable (on the synchronous standby too); only then is
//   it acknowledged. If the barrier does not return, the write is not
//   acknowledged (kUnavailable), as when COMMIT's own answer is lost. A
//   write transaction that wrote nothing ends with the barrier too: what
//   it answers may rest on such a commit. So a
//   later transaction may read such a commit up to a flush (about a
//   millisecond) before it is durable: a writer that builds on it is itself
//   flushed after it (the log is in order), and a transaction that writes
//   anything else (a checkpoint, a user, a file, a read-mostly table the
//   nodes cache) holds the lock through its own flush, which covers every
//   commit before it, and is seen by no one before then. A read of views,
//   view counts, alerts or audit events may show, for that millisecond, a
//   view that a crash of PostgreSQL then undoes, one that was never
//   acknowledged to its viewer. (A backup copies a snapshot, and runs the
//   barrier after it.) A node whose role may not run the barrier (kBarrier,
//   tried at open) releases nothing early.
// - A write transaction holds back its puts, deletes and appends and sends
//   them a table at a time, in the round trip of COMMIT when nothing needs
//   them sooner (TablePending). An append that would not sort last fails
//   its statement, so the transaction never commits; in a batch of writes
//   without nested transactions that fails the whole batch at COMMIT,
//   where LMDB would have refused the one append (it never happens unless
//   a caller computes a wrong sequence number).
//
// - What transactions read of the read-mostly tables (users, policies,
//   files, their indexes…: tables::kReadMostlyTables) is kept for the next
//   transactions of the node (NodeCache), so that a batch of views does not
//   ask PostgreSQL again for the same file. It is used only when the table
//   is unchanged: a trigger on custos_kv bumps the table's version in
//   custos_gen in every transaction that changes one of its rows, whoever
//   runs it (another node, an older version, an administrator's psql), and
//   each transaction reads the versions with its BEGIN (InstallVersions).
//
// PostgreSQL only ever sees sealed values and keys (ids, sequence numbers,
// blind-index hashes). Error messages carry PostgreSQL's primary message
// and SQLSTATE only, never a statement's parameters.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>
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

// The barrier of early release (the top of this file): a transactional
// message assigns the barrier's transaction an id and writes to the log,
// so its commit is flushed like any write's. On a standby (in recovery)
// everything it replays was flushed on the primary before it was sent, so
// there is nothing to wait for. Tried once at open: a role that may not
// run pg_logical_emit_message (revoked from PUBLIC) makes the node hold
// the writers' lock through every flush instead.
constexpr const char* kBarrier =
    "SELECT CASE WHEN pg_is_in_recovery() THEN NULL "
    "ELSE pg_logical_emit_message(true, 'custos.durable', '') END";

// Values are sealed, so compressing them is wasted work: stored EXTERNAL.
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS custos_kv (t text NOT NULL, k bytea NOT NULL, "
    "v bytea NOT NULL, PRIMARY KEY (t, k)); "
    "ALTER TABLE custos_kv ALTER COLUMN v SET STORAGE EXTERNAL";

// The versions of the read-mostly tables (NodeCache), made by the first
// node of this version that opens the vault for writing (InstallVersions):
// custos_gen(t, g) holds, per table, the id of the last transaction that
// changed one of its rows (unique, so a version is never seen twice), set
// by row triggers on custos_kv once per table and transaction. `$S` stands
// for the vault's schema, `$T` for the read-mostly tables as a SQL list.
constexpr const char* kVersionsSchema =
    "CREATE TABLE IF NOT EXISTS $S.custos_gen (t text PRIMARY KEY, g bigint NOT NULL); "
    "CREATE OR REPLACE FUNCTION $S.custos_gen_bump() RETURNS trigger LANGUAGE plpgsql AS $f$ "
    "DECLARE tn text; "
    "BEGIN "
    "  FOREACH tn IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY[NEW.t] "
    "      WHEN 'DELETE' THEN ARRAY[OLD.t] ELSE ARRAY[NEW.t, OLD.t] END LOOP "
    "    IF current_setting('custos.gen_' || md5(tn), true) IS DISTINCT FROM 'bumped' THEN "
    "      INSERT INTO $S.custos_gen (t, g) VALUES (tn, txid_current()) "
    "        ON CONFLICT (t) DO UPDATE SET g = EXCLUDED.g; "
    "      PERFORM set_config('custos.gen_' || md5(tn), 'bumped', true); "
    "    END IF; "
    "  END LOOP; "
    "  RETURN NULL; "
    "END $f$; "
    "CREATE OR REPLACE FUNCTION $S.custos_gen_bump_all() RETURNS trigger LANGUAGE plpgsql AS $f$ "
    "BEGIN "
    "  INSERT INTO $S.custos_gen (t, g) SELECT u, txid_current() FROM unnest(ARRAY[$T]) AS u "
    "    ON CONFLICT (t) DO UPDATE SET g = EXCLUDED.g; "
    "  RETURN NULL; "
    "END $f$; "
    "DROP TRIGGER IF EXISTS custos_gen_v1_insert ON $S.custos_kv; "
    "DROP TRIGGER IF EXISTS custos_gen_v1_update ON $S.custos_kv; "
    "DROP TRIGGER IF EXISTS custos_gen_v1_delete ON $S.custos_kv; "
    "DROP TRIGGER IF EXISTS custos_gen_v1_truncate ON $S.custos_kv; "
    "CREATE TRIGGER custos_gen_v1_insert AFTER INSERT ON $S.custos_kv FOR EACH ROW "
    "  WHEN (NEW.t IN ($T)) EXECUTE FUNCTION $S.custos_gen_bump(); "
    "CREATE TRIGGER custos_gen_v1_update AFTER UPDATE ON $S.custos_kv FOR EACH ROW "
    "  WHEN (NEW.t IN ($T) OR OLD.t IN ($T)) EXECUTE FUNCTION $S.custos_gen_bump(); "
    "CREATE TRIGGER custos_gen_v1_delete AFTER DELETE ON $S.custos_kv FOR EACH ROW "
    "  WHEN (OLD.t IN ($T)) EXECUTE FUNCTION $S.custos_gen_bump(); "
    "CREATE TRIGGER custos_gen_v1_truncate AFTER TRUNCATE ON $S.custos_kv "
    "  FOR EACH STATEMENT EXECUTE FUNCTION $S.custos_gen_bump_all()";

// Whether the vault has custos_gen and the last of its triggers.
constexpr const char* kHaveVersions =
    "SELECT to_regclass('custos_gen') IS NOT NULL AND EXISTS (SELECT 1 FROM pg_trigger "
    "WHERE tgrelid = 'custos_kv'::regclass AND tgname = 'custos_gen_v1_truncate')";

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

// A one-dimensional bytea[] in PostgreSQL's binary array format: the
// number of dimensions, a has-nulls flag, the element type (bytea), the
// length and lower bound of the dimension, then each element's length and
// bytes; integers 32-bit big-endian.
std::string ByteaArray(const std::vector<std::string_view>& items) {
  constexpr uint32_t kByteaOid = 17;
  std::string out;
  size_t total = 20;
  for (std::string_view item : items) total += 4 + item.size();
  out.reserve(total);
  auto be32 = [&out](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((v >> shift) & 0xFF));
  };
  be32(1);
  be32(0);
  be32(kByteaOid);
  be32(static_cast<uint32_t>(items.size()));
  be32(1);
  for (std::string_view item : items) {
    be32(static_cast<uint32_t>(item.size()));
    out.append(item);
  }
  return out;
}

// A text[] in PostgreSQL's text format, each element quoted: the first
// parameter of a statement is sent as text (ParamArrays).
std::string TextArrayLiteral(const std::vector<std::string_view>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string_view Cell(const PGresult* r, int row, int col) {
  return std::string_view(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col)));
}

class PgStore;

// The parameter arrays libpq takes: $1 is the table's name, as text (a
// NUL-terminated copy), the others binary. Not copied or moved (values[0]
// points into `table`).
struct ParamArrays {
  explicit ParamArrays(std::span<const std::string_view> params) : table(params[0]) {
    for (size_t i = 0; i < params.size(); ++i) {
      values.push_back(i == 0                        ? table.c_str()
                       : params[i].data() != nullptr ? params[i].data()
                                                     : "");
      lengths.push_back(static_cast<int>(params[i].size()));
      formats.push_back(i == 0 ? 0 : 1);
    }
  }
  ParamArrays(const ParamArrays&) = delete;
  ParamArrays& operator=(const ParamArrays&) = delete;
  int size() const { return static_cast<int>(values.size()); }

  std::string table;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

// A prepared statement with its parameters: $1 the table's name (text),
// the others binary.
struct Statement {
  const char* name;
  std::vector<std::string> params;
};

// One connection, its prepared statements, and a way to run them with
// binary parameters and results.
class Conn {
 public:
  explicit Conn(PgConn c) : conn_(std::move(c)) {}
  PGconn* get() const { return conn_.get(); }
  // The server this connection reached, named by its postmaster's start
  // time (NodeCache); empty when the server would not say.
  const std::string& server() const { return server_; }
  void set_server(std::string server) { server_ = std::move(server); }
  bool healthy() const {
    return PQstatus(conn_.get()) == CONNECTION_OK &&
           PQpipelineStatus(conn_.get()) == PQ_PIPELINE_OFF;
  }

  // A statement without parameters (BEGIN, SAVEPOINT…).
  Status Exec(const char* sql, std::string_view what) {
    PgResult r(PQexec(conn_.get(), sql));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PgError(r.get(), conn_.get(), what);
    return Status::Ok();
  }

  // Statements without parameters, `;`-separated: the last one's result.
  Result<PgResult> Query(const char* sql, std::string_view what) {
    PgResult r(PQexec(conn_.get(), sql));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PgError(r.get(), conn_.get(), what);
    return r;
  }

  // Runs prepared statement `name` with text table name and binary
  // key/value parameters; results in binary.
  Result<PgResult> Run(const char* name, std::initializer_list<std::string_view> params,
                       std::string_view what) {
    return RunParams(name, std::span<const std::string_view>(params.begin(), params.size()), what);
  }

  // Runs `st`. An append that PostgreSQL refuses (its key does not sort
  // after the table's last) is kAlreadyExists.
  Status Send(const Statement& st) {
    std::vector<std::string_view> params(st.params.begin(), st.params.end());
    return Check(st, RunParams(st.name, params, "writing " + st.params[0]));
  }

  // Sends `statements` and COMMIT in one round trip (pipeline mode) and
  // returns COMMIT's result. `commit_sent`: whether COMMIT reached the
  // server (then the outcome of the transaction may be unknown).
  // `release_early` (the top of this file): COMMIT does not wait for the
  // flush, and a durability barrier follows it in the same round trip;
  // `*durable` says whether the barrier's commit (at the pipeline's sync,
  // whose answer comes after the flush) returned.
  Result<PgResult> SendThenCommit(const std::vector<Statement>& statements, bool release_early,
                                  bool* commit_sent, bool* durable);

  Status Prepare();

 private:
  Result<PgResult> RunParams(const char* name, std::span<const std::string_view> params,
                             std::string_view what);
  Status Check(const Statement& st, Result<PgResult> r) {
    if (r.ok()) return Status::Ok();
    // SECURITY: append_many makes a refused append's key null, which the
    // table refuses (23502): the transaction cannot commit.
    if (std::strcmp(st.name, "append_many") == 0 &&
        r.status().message().find("SQLSTATE 23502") != std::string::npos) {
      return Status::AlreadyExists("key does not sort after the last entry of " + st.params[0]);
    }
    return r.status();
  }

  PgConn conn_;
  std::string server_;
};

Result<PgResult> Conn::RunParams(const char* name, std::span<const std::string_view> params,
                                 std::string_view what) {
  const ParamArrays a(params);
  PgResult r(PQexecPrepared(conn_.get(), name, a.size(), a.values.data(), a.lengths.data(),
                            a.formats.data(), 1));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PgError(r.get(), conn_.get(), what);
  return r;
}

Result<PgResult> Conn::SendThenCommit(const std::vector<Statement>& statements, bool release_early,
                                      bool* commit_sent, bool* durable) {
  PGconn* c = conn_.get();
  *commit_sent = false;
  *durable = false;
  if (statements.empty() && !release_early) {
    *commit_sent = true;
    *durable = true;
    return PgResult(PQexec(c, "COMMIT"));
  }
  if (PQenterPipelineMode(c) != 1) return PgError(nullptr, c, "committing");
  // Out of pipeline mode at the end, once every result is read (a
  // connection left in it is not healthy(), so never pooled).
  struct Leave {
    PGconn* c;
    ~Leave() { (void)PQexitPipelineMode(c); }
  } leave{c};
  const auto send = [c](const char* sql) {
    return PQsendQueryParams(c, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  };
  for (const Statement& st : statements) {
    const std::vector<std::string_view> params(st.params.begin(), st.params.end());
    const ParamArrays a(params);
    if (PQsendQueryPrepared(c, st.name, a.size(), a.values.data(), a.lengths.data(),
                            a.formats.data(), 1) != 1)
      return PgError(nullptr, c, "writing " + st.params[0]);
  }
  if (release_early && !send("SET LOCAL synchronous_commit TO off"))
    return PgError(nullptr, c, "committing");
  const bool sent = send("COMMIT");
  // From here the server may have COMMIT: its outcome is unknown until read.
  *commit_sent = sent;
  // The barrier: a transaction of its own, committed at the pipeline's
  // sync at the session's level (on, or remote_apply), which writes to the
  // log after COMMIT's record. PostgreSQL flushes (and replicates) its log
  // in order, so once the barrier is durable, so is the commit before it.
  bool queued = sent;
  if (queued && release_early)
    queued = PQsendQueryPrepared(c, "durable", 0, nullptr, nullptr, nullptr, 1) == 1;
  if (!queued || PQpipelineSync(c) != 1 || PQflush(c) != 0)
    return PgError(nullptr, c, "committing");
  // One result per statement, then the end of that statement's results.
  const auto next = [c]() {
    PgResult r(PQgetResult(c));
    while (PgResult(PQgetResult(c))) {
    }
    return r;
  };
  Status first_error;
  for (const Statement& st : statements) {
    PgResult r = next();
    if (!r) return PgError(nullptr, c, "committing");
    const ExecStatusType status = PQresultStatus(r.get());
    // After a failure, the later statements are skipped (PIPELINE_ABORTED).
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && first_error.ok())
      first_error = Check(st, PgError(r.get(), c, "writing " + st.params[0]));
  }
  if (release_early && !next()) return PgError(nullptr, c, "committing");  // SET LOCAL
  PgResult commit = next();
  PgResult barrier;
  if (release_early) barrier = next();
  PgResult sync(PQgetResult(c));
  if (!first_error.ok()) {
    // COMMIT was skipped: the transaction is open (and aborted).
    if (commit && PQresultStatus(commit.get()) == PGRES_PIPELINE_ABORTED) *commit_sent = false;
    return first_error;
  }
  if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC)
    return PgError(sync.get(), c, "committing");
  *durable = !release_early || (barrier && PQresultStatus(barrier.get()) == PGRES_TUPLES_OK);
  return commit;
}

Status Conn::Prepare() {
  static constexpr struct {
    const char* name;
    const char* sql;
  } kStatements[] = {
      {"get", "SELECT v FROM custos_kv WHERE t = $1 AND k = $2"},
      // The barrier after an early-released commit (SendThenCommit).
      {"durable", kBarrier},
      {"insert", "INSERT INTO custos_kv (t, k, v) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"},
      {"delete", "DELETE FROM custos_kv WHERE t = $1 AND k = $2"},
      // What a write transaction held back (TablePending), a table at a
      // time: $2 (and $3) are bytea[] of keys (and values).
      {"put_many",
       "INSERT INTO custos_kv (t, k, v) SELECT $1::text, u.k, u.v "
       "FROM unnest($2::bytea[], $3::bytea[]) AS u(k, v) "
       "ON CONFLICT (t, k) DO UPDATE SET v = EXCLUDED.v"},
      {"delete_many", "DELETE FROM custos_kv WHERE t = $1 AND k = ANY($2::bytea[])"},
      // Appends, their keys ascending from $4. When a stored key sorts at
      // or after $4, the keys become null, which the table refuses with an
      // error (23502): the statement fails, and the transaction with it,
      // even when COMMIT is already on its way behind it (pipeline mode).
      // (The last stored key is read backwards on the index: "no key >=
      // $4" planned generically scans the whole table.)
      {"append_many",
       "INSERT INTO custos_kv (t, k, v) SELECT $1::text, CASE WHEN coalesce((SELECT k FROM "
       "custos_kv WHERE t = $1::text ORDER BY k DESC LIMIT 1) < $4::bytea, true) THEN u.k END, "
       "u.v FROM unnest($2::bytea[], $3::bytea[]) AS u(k, v)"},
      {"get_many", "SELECT k, v FROM custos_kv WHERE t = $1 AND k = ANY($2::bytea[])"},
      {"get_across",
       "SELECT c.t, c.k, c.v FROM unnest($1::text[], $2::bytea[]) AS q(t, k) "
       "JOIN custos_kv c ON c.t = q.t AND c.k = q.k"},
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

// What this node's transactions read of the read-mostly tables, kept for
// its later transactions (the top of this file): keys and sealed values as
// PostgreSQL returned them, in memory only. Per table, the reads made at
// one version of it. A transaction uses them, and adds to them, only at
// the version it read with its BEGIN and while it has not written the
// table itself: the table then holds exactly what they say. At most
// kBudget bytes per table; a table over it starts afresh.
//
// Versions say what a table holds only within one history of the
// database. A failover to an asynchronous standby can lose commits, and
// the standby can then give the same transaction ids, and so the same
// versions, to other changes. What is kept therefore belongs to one
// server, named by its postmaster's start time (Conn::server). A
// transaction on another server empties the cache first (Enter). Each
// transaction holds the epoch it entered, and reads or keeps nothing once
// the cache has moved on to another epoch (another server, or Clear).
class NodeCache {
 public:
  using Rows = std::vector<std::pair<std::string, std::string>>;

  // The epoch for a transaction on `server`, emptying the cache first when
  // what it holds came from another server.
  uint64_t Enter(std::string_view server) {
    std::lock_guard lock(mu_);
    if (server != server_) {
      tables_.clear();
      server_ = server;
      ++epoch_;
    }
    return epoch_;
  }

  // A point read of `key` at `version`: unknown (nullopt), else the value
  // or, inside, nullopt when the key is absent.
  std::optional<std::optional<std::string>> Find(uint64_t epoch, Table table, int64_t version,
                                                 std::string_view key) const {
    std::lock_guard lock(mu_);
    const PerTable* t = Current(epoch, table, version);
    if (t == nullptr) return std::nullopt;
    auto it = t->points.find(std::string(key));
    if (it == t->points.end()) return std::nullopt;
    return it->second;
  }
  void Keep(uint64_t epoch, Table table, int64_t version, std::string_view key,
            std::optional<std::string_view> value) {
    std::lock_guard lock(mu_);
    PerTable* t = At(epoch, table, version);
    if (t == nullptr) return;
    t->bytes += key.size() + (value ? value->size() : 0) + kOverhead;
    t->points.insert_or_assign(std::string(key),
                               value ? std::optional<std::string>(*value) : std::nullopt);
  }
  // Forgets everything kept, and what transactions already begun would
  // read or keep.
  void Clear() {
    std::lock_guard lock(mu_);
    tables_.clear();
    ++epoch_;
  }
  // A page a scan read (TxnState's page queries).
  std::optional<Rows> FindPage(uint64_t epoch, Table table, int64_t version,
                               const std::string& query) const {
    std::lock_guard lock(mu_);
    const PerTable* t = Current(epoch, table, version);
    if (t == nullptr) return std::nullopt;
    auto it = t->pages.find(query);
    if (it == t->pages.end()) return std::nullopt;
    return it->second;
  }
  void KeepPage(uint64_t epoch, Table table, int64_t version, const std::string& query,
                const Rows& rows) {
    std::lock_guard lock(mu_);
    PerTable* t = At(epoch, table, version);
    if (t == nullptr) return;
    t->bytes += query.size() + kOverhead;
    for (const auto& [k, v] : rows) t->bytes += k.size() + v.size() + kOverhead;
    t->pages.insert_or_assign(query, rows);
  }

 private:
  static constexpr size_t kBudget = size_t{16} << 20;
  static constexpr size_t kOverhead = 64;  // a map node and two strings, roughly
  struct PerTable {
    int64_t version = -1;
    std::unordered_map<std::string, std::optional<std::string>> points;
    std::unordered_map<std::string, Rows> pages;
    size_t bytes = 0;
  };
  // The table's reads if they are at `version` and `epoch` is the cache's,
  // else null.
  const PerTable* Current(uint64_t epoch, Table table, int64_t version) const {
    if (epoch != epoch_) return nullptr;
    auto it = tables_.find(std::string(table));
    return it == tables_.end() || it->second.version != version ? nullptr : &it->second;
  }
  // Where reads at `version` go: the table's, emptied first when they are
  // at an older version or over the budget; null when they are at a newer
  // one (a read transaction's older snapshot: its reads are not kept) or
  // from a transaction of another epoch.
  PerTable* At(uint64_t epoch, Table table, int64_t version) {
    if (epoch != epoch_) return nullptr;
    PerTable& t = tables_[std::string(table)];
    if (t.version > version) return nullptr;
    if (t.version < version || t.bytes > kBudget) t = PerTable{version, {}, {}, 0};
    return &t;
  }

  mutable std::mutex mu_;
  std::string server_;
  uint64_t epoch_ = 0;
  std::unordered_map<std::string, PerTable> tables_;
};

// Makes custos_gen and its triggers (kVersionsSchema) unless the vault has
// them, under the writers' lock: every write committed after them bumps
// the versions, and none is half-way. Best effort: on failure nothing is
// made and the nodes keep nothing between transactions.
void InstallVersions(Conn& conn, const std::string& begin_write) {
  if (!conn.Exec(begin_write.c_str(), "locking the vault").ok()) return;
  auto ended = [&](bool commit) { (void)conn.Exec(commit ? "COMMIT" : "ROLLBACK", "ending"); };
  // (Dropping triggers that do not exist yet is not worth a NOTICE.)
  (void)conn.Exec("SET LOCAL client_min_messages TO warning", "quieting notices");
  Result<PgResult> have = conn.Query(kHaveVersions, "looking for the tables' versions");
  if (!have.ok() || std::string_view(PQgetvalue(have->get(), 0, 0)) == "t") return ended(false);
  Result<PgResult> schema = conn.Query("SELECT quote_ident(current_schema())", "naming the schema");
  if (!schema.ok() || PQgetisnull(schema->get(), 0, 0)) return ended(false);
  std::string list;
  for (Table t : tables::kReadMostlyTables) {
    if (!list.empty()) list += ", ";
    list += "'" + std::string(t) + "'";
  }
  std::string sql = kVersionsSchema;
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"$S", PQgetvalue(schema->get(), 0, 0)}, {"$T", list}}) {
    for (size_t at = sql.find(from); at != std::string::npos; at = sql.find(from, at + to.size()))
      sql.replace(at, from.size(), to);
  }
  ended(conn.Exec(sql.c_str(), "making the tables' versions").ok());
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
  // A connection on which `begin` (a BEGIN statement, and what follows
  // it) succeeded; `last`: the result of its last statement.
  Result<std::unique_ptr<Conn>> TakeBegun(const std::string& begin, std::string_view what,
                                          PgResult* last) const;
  // Whether this node releases batches of views early: when its role may
  // run the barrier (kBarrier), tried once at open.
  bool early_release() const { return early_release_; }

 private:
  std::string url_;
  bool read_only_ = false;
  bool early_release_ = false;
  // The statements that take this vault's advisory locks (kLockKeys): a
  // transaction-level lock for writers (with their BEGIN), a session-level
  // one for the leader.
  std::string begin_write_;
  std::string begin_read_ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  std::string leader_lock_;
  // What this node's transactions read of the read-mostly tables; used
  // when the vault has custos_gen and its triggers (the BEGIN statements
  // then read the versions too).
  bool cache_on_ = false;
  // Whether this role may call pg_postmaster_start_time() (NodeCache).
  bool name_servers_ = false;
  mutable NodeCache cache_;
  // The leader's session (Lead): holds the session advisory lock while it
  // lives.
  std::mutex lead_mu_;
  std::unique_ptr<Conn> lead_;
  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<Conn>> idle_;
};

// What a write transaction has written and not yet sent to PostgreSQL, per
// table (TxnState). Writes whose outcome the transaction already knows —
// an overwrite, an insert or delete of a key it has read, an append — are
// held back and sent together, one statement per table and kind, when
// something needs the server to see them (a scan or count of the table, a
// nested transaction's start or end, COMMIT). A batch of audited views thus
// costs a few statements, not a few per view.
struct TablePending {
  // The final state of each key written: its value, or none once deleted.
  std::map<std::string, std::optional<std::string>, std::less<>> ops;
  // Appended entries, their keys ascending. A table never holds ops and
  // appends at once (the one is sent before the other is taken).
  std::vector<std::pair<std::string, std::string>> appends;
};

// What a transaction has read or written, by table and key, so that the
// requests of one group-committed batch, which read the same user, policy,
// record and log state, do not each pay a round trip for it; the pages its
// scans read, until it writes their table; and its held-back writes.
// Valid for the transaction only: its snapshot (a read), or its own writes
// after the writers' lock (a write; no other writer runs meanwhile).
// Dropped whole when a nested transaction rolls back (nested transactions
// start and end with nothing held back, so what is held back is theirs).
// Values keep their addresses until the transaction ends, as Get promises.
class TxnState {
 public:
  using Rows = std::vector<std::pair<std::string, std::string>>;

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
  // A page a scan read (null when not read since the table was written).
  const Rows* FindPage(Table table, const std::string& query) const {
    auto t = pages_.find(std::string(table));
    if (t == pages_.end()) return nullptr;
    auto it = t->second.find(query);
    return it == t->second.end() ? nullptr : it->second;
  }
  const Rows* RememberPage(Table table, const std::string& query, Rows rows) {
    const Rows* at = &kept_pages_.emplace_back(std::move(rows));
    pages_[std::string(table)][query] = at;
    return at;
  }
  // `table` is written: the pages read from it are stale, and the node's
  // cache no longer describes it for this transaction.
  void Written(Table table) {
    pages_.erase(std::string(table));
    written_.insert(std::string(table));
  }
  bool WasWritten(Table table) const { return written_.contains(std::string(table)); }
  // Whether every table written is one of tables::kEarlyReleaseTables
  // (also when none is).
  bool WroteOnlyEarlyRelease() const {
    for (const std::string& t : written_)
      if (!tables::IsEarlyRelease(t)) return false;
    return true;
  }

  // The versions of the read-mostly tables this transaction read with its
  // BEGIN (custos_gen; a table without a row is at 0), and the node's
  // cache they refer to. Null: the node keeps nothing (no custos_gen).
  NodeCache* cache = nullptr;
  uint64_t cache_epoch = 0;
  std::unordered_map<std::string, int64_t> versions;

  std::map<std::string, TablePending, std::less<>>& pending() { return pending_; }
  bool HasOps(Table table) const {
    auto it = pending_.find(table);
    return it != pending_.end() && !it->second.ops.empty();
  }
  bool HasAppends(Table table) const {
    auto it = pending_.find(table);
    return it != pending_.end() && !it->second.appends.empty();
  }

  // (What a rolled-back nested transaction wrote stays in written_: the
  // cache stays unused for those tables, which is merely slower.)
  void Clear() {
    map_.clear();
    pages_.clear();
    pending_.clear();
  }

 private:
  static std::string Key(Table table, std::string_view key) {
    std::string k(table);
    k.push_back('\0');
    k.append(key);
    return k;
  }
  std::unordered_map<std::string, const std::string*> map_;
  std::deque<std::string> kept_;
  std::unordered_map<std::string, std::unordered_map<std::string, const Rows*>> pages_;
  std::deque<Rows> kept_pages_;
  std::map<std::string, TablePending, std::less<>> pending_;
  std::unordered_set<std::string> written_;
};

class PgTxn final : public KvTxn {
 public:
  // Top level: owns `conn` (returned to the pool at the end).
  PgTxn(const PgStore* store, std::unique_ptr<Conn> conn, bool writable)
      : store_(store),
        owned_(std::move(conn)),
        conn_(owned_.get()),
        writable_(writable),
        own_state_(std::make_unique<TxnState>()),
        state_(own_state_.get()) {}
  // Nested: a savepoint on the parent's connection, sharing its state.
  PgTxn(Conn* conn, int depth, TxnState* state)
      : conn_(conn), writable_(true), depth_(depth), state_(state) {}
  ~PgTxn() override;

  Result<std::string_view> Get(Table table, std::string_view key) override;
  Status Scan(Table table, std::string_view prefix, std::string_view from, bool reverse,
              const RawFn& fn) override;
  Result<uint64_t> Count(Table table) override;
  Status Prefetch(Table table, std::span<const std::string> keys) override;
  Status PrefetchAcross(std::span<const TableKey> keys) override;
  Status Put(Table table, std::string_view key, std::string_view value, PutMode mode) override;
  Status Delete(Table table, std::string_view key) override;
  Result<std::unique_ptr<KvTxn>> BeginNested() override;
  Status Commit() override;

  // Top level: lets this transaction use and fill `cache` at the versions
  // its BEGIN read (rows of t, g as text). Not when the server of its
  // connection is unknown.
  void UseCache(NodeCache* cache, const PGresult* versions);

 private:
  // The version of `table` at which this transaction may use the node's
  // cache: none when the node keeps nothing, the table is not read-mostly
  // or this transaction has written it.
  std::optional<int64_t> CacheVersion(Table table) const;
  // What this transaction knows of `key` in `table` — from its own reads
  // and writes, or from the node's cache at its version (then remembered)
  // — as Find's value (null: absent); nothing when unknown.
  std::optional<const std::string*> Recall(Table table, std::string_view key);
  // What PostgreSQL answered for `key`: remembered by this transaction and
  // kept for the node's next ones when CacheVersion allows.
  const std::string* Learn(Table table, std::string_view key,
                           std::optional<std::string_view> value);
  std::string Savepoint() const { return "custos_sp" + std::to_string(depth_); }
  // Takes what is held back for `table` (everything: TakePending()), as
  // the statements that send it. Taken first: whatever happens, nothing is
  // sent twice (a statement that fails aborts the transaction anyway).
  std::vector<Statement> TakePending(Table table);
  std::vector<Statement> TakePending();
  // Sends what is held back for `table` (everything: Flush()).
  Status Flush(Table table);
  Status Flush();

  const PgStore* store_ = nullptr;
  std::unique_ptr<Conn> owned_;
  Conn* conn_;
  bool writable_;
  int depth_ = 0;  // 0: top level
  bool open_ = true;
  std::unique_ptr<TxnState> own_state_;  // top level only
  TxnState* state_;
};

PgTxn::~PgTxn() {
  if (!open_) return;
  if (depth_ > 0) {
    state_->Clear();  // its writes are undone (and what it held back is dropped)
    const std::string sp = Savepoint();
    (void)conn_->Exec(("ROLLBACK TO SAVEPOINT " + sp).c_str(), "rolling back");
    (void)conn_->Exec(("RELEASE SAVEPOINT " + sp).c_str(), "rolling back");
    return;
  }
  if (conn_->Exec("ROLLBACK", "ending a transaction").ok()) store_->Give(std::move(owned_));
}

Result<std::string_view> PgTxn::Get(Table table, std::string_view key) {
  // A key written and held back is known here, so a read never needs what
  // is held back sent first.
  std::optional<const std::string*> at = Recall(table, key);
  if (!at) {
    CUSTOS_ASSIGN_OR_RETURN(PgResult r,
                            conn_->Run("get", {table, key}, "reading " + std::string(table)));
    std::optional<std::string_view> value;
    if (PQntuples(r.get()) > 0) value = Cell(r.get(), 0, 0);
    at = Learn(table, key, value);
  }
  if (*at == nullptr) return Status::NotFound("no such entry in " + std::string(table));
  return std::string_view(**at);
}

std::optional<const std::string*> PgTxn::Recall(Table table, std::string_view key) {
  if (const std::string* const* known = state_->Find(table, key)) return *known;
  if (const std::optional<int64_t> version = CacheVersion(table)) {
    if (auto kept = state_->cache->Find(state_->cache_epoch, table, *version, key))
      return state_->Remember(table, key, *kept);
  }
  return std::nullopt;
}

const std::string* PgTxn::Learn(Table table, std::string_view key,
                                std::optional<std::string_view> value) {
  if (const std::optional<int64_t> version = CacheVersion(table))
    state_->cache->Keep(state_->cache_epoch, table, *version, key, value);
  return state_->Remember(table, key, value);
}

std::optional<int64_t> PgTxn::CacheVersion(Table table) const {
  const TxnState& s = *state_;
  if (s.cache == nullptr || !tables::IsReadMostly(table) || s.WasWritten(table))
    return std::nullopt;
  auto it = s.versions.find(std::string(table));
  return it == s.versions.end() ? 0 : it->second;
}

void PgTxn::UseCache(NodeCache* cache, const PGresult* versions) {
  if (conn_->server().empty()) return;
  state_->cache = cache;
  state_->cache_epoch = cache->Enter(conn_->server());
  for (int i = 0; i < PQntuples(versions); ++i) {
    state_->versions[PQgetvalue(versions, i, 0)] =
        std::strtoll(PQgetvalue(versions, i, 1), nullptr, 10);
  }
}

Status PgTxn::Scan(Table table, std::string_view prefix, std::string_view from, bool reverse,
                   const RawFn& fn) {
  CUSTOS_RETURN_IF_ERROR(Flush(table));
  const std::optional<int64_t> version = CacheVersion(table);
  const std::string end = PrefixEnd(prefix);
  std::string low(reverse ? prefix : (from > prefix ? from : prefix));
  std::string high = end;  // exclusive; "" = unbounded
  // Small first pages: many scans stop at the first key (LastKeyWithPrefix).
  int64_t page = 16;
  while (true) {
    const std::string limit = EncodeU64(static_cast<uint64_t>(page));  // int8, binary
    const char* stmt =
        !reverse ? (high.empty() ? "fwd" : "fwd_to") : (high.empty() ? "rev" : "rev_to");
    // The page's query, as the key of the pages this transaction read.
    std::string query(stmt);
    for (const std::string* part : std::initializer_list<const std::string*>{&low, &high, &limit}) {
      query += EncodeU64(part->size());
      query += *part;
    }
    const TxnState::Rows* rows = state_->FindPage(table, query);
    if (rows == nullptr) {
      std::optional<TxnState::Rows> read;
      if (version) read = state_->cache->FindPage(state_->cache_epoch, table, *version, query);
      if (!read) {
        const std::string what = "scanning " + std::string(table);
        Result<PgResult> r = high.empty() ? conn_->Run(stmt, {table, low, limit}, what)
                                          : conn_->Run(stmt, {table, low, high, limit}, what);
        if (!r.ok()) return r.status();
        read.emplace();
        const int n = PQntuples(r->get());
        read->reserve(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) read->emplace_back(Cell(r->get(), i, 0), Cell(r->get(), i, 1));
        if (version) state_->cache->KeepPage(state_->cache_epoch, table, *version, query, *read);
      }
      rows = state_->RememberPage(table, query, std::move(*read));
    }
    for (const auto& [key, value] : *rows) {
      Result<bool> more = fn(key, value);
      if (!more.ok()) return more.status();
      if (!*more) return Status::Ok();
    }
    if (static_cast<int64_t>(rows->size()) < page) return Status::Ok();
    const std::string& last = rows->back().first;
    if (!reverse) {
      low = last;
      low.push_back('\0');  // the next key after `last`
    } else {
      high = last;
    }
    page = std::min<int64_t>(page * 4, 1024);
  }
}

Result<uint64_t> PgTxn::Count(Table table) {
  CUSTOS_RETURN_IF_ERROR(Flush(table));
  CUSTOS_ASSIGN_OR_RETURN(PgResult r,
                          conn_->Run("count", {table}, "counting " + std::string(table)));
  return DecodeU64(Cell(r.get(), 0, 0));  // int8, binary
}

Status PgTxn::Prefetch(Table table, std::span<const std::string> keys) {
  std::vector<std::string_view> unknown;
  for (const std::string& key : keys)
    if (!Recall(table, key)) unknown.push_back(key);
  if (unknown.size() < 2) return Status::Ok();  // a Get does as well
  CUSTOS_ASSIGN_OR_RETURN(PgResult r, conn_->Run("get_many", {table, ByteaArray(unknown)},
                                                 "reading " + std::string(table)));
  std::unordered_map<std::string_view, std::string_view> found;
  for (int i = 0; i < PQntuples(r.get()); ++i)
    found.emplace(Cell(r.get(), i, 0), Cell(r.get(), i, 1));
  // Keys held back are known, so none of `unknown` is: what PostgreSQL
  // has is what the transaction sees.
  for (std::string_view key : unknown) {
    auto it = found.find(key);
    Learn(table, key,
          it == found.end() ? std::nullopt : std::optional<std::string_view>(it->second));
  }
  return Status::Ok();
}

Status PgTxn::PrefetchAcross(std::span<const TableKey> keys) {
  std::vector<std::string_view> tables;
  std::vector<std::string_view> unknown;
  for (const TableKey& k : keys) {
    if (Recall(k.table, k.key)) continue;
    tables.push_back(k.table);
    unknown.push_back(k.key);
  }
  if (unknown.size() < 2) return Status::Ok();  // a Get does as well
  CUSTOS_ASSIGN_OR_RETURN(
      PgResult r,
      conn_->Run("get_across", {TextArrayLiteral(tables), ByteaArray(unknown)}, "reading"));
  std::map<std::pair<std::string_view, std::string_view>, std::string_view> found;
  for (int i = 0; i < PQntuples(r.get()); ++i)
    found.emplace(std::make_pair(Cell(r.get(), i, 0), Cell(r.get(), i, 1)), Cell(r.get(), i, 2));
  // As in Prefetch: none of `unknown` is held back, so what PostgreSQL has
  // is what the transaction sees.
  for (size_t i = 0; i < unknown.size(); ++i) {
    auto it = found.find(std::make_pair(tables[i], unknown[i]));
    Learn(tables[i], unknown[i],
          it == found.end() ? std::nullopt : std::optional<std::string_view>(it->second));
  }
  return Status::Ok();
}

Status PgTxn::Put(Table table, std::string_view key, std::string_view value, PutMode mode) {
  if (!writable_) return Status::FailedPrecondition("a read transaction cannot write");
  TxnState& s = *state_;
  const std::string_view appended_out_of_order = "key does not sort after the last entry of ";
  const std::string_view exists = "entry already exists in ";
  const std::string_view t(table);
  const std::string* const* found = s.Find(table, key);
  const bool known = found != nullptr;
  const bool present = known && *found != nullptr;
  if (mode == PutMode::kAppend) {
    // Held back; PostgreSQL checks at sending that no stored key sorts at
    // or after the first one (the append_many statement).
    if (present) return Status::AlreadyExists(std::string(appended_out_of_order) + std::string(t));
    if (s.HasOps(table)) CUSTOS_RETURN_IF_ERROR(Flush(table));
    auto& appends = s.pending()[std::string(t)].appends;
    if (!appends.empty() && key <= std::string_view(appends.back().first))
      return Status::AlreadyExists(std::string(appended_out_of_order) + std::string(t));
    appends.emplace_back(key, value);
  } else if (mode == PutMode::kReplace || known) {
    // An overwrite, or an insert whose answer is known: held back.
    if (mode == PutMode::kInsert && present)
      return Status::AlreadyExists(std::string(exists) + std::string(t));
    if (s.HasAppends(table)) CUSTOS_RETURN_IF_ERROR(Flush(table));
    s.pending()[std::string(t)].ops.insert_or_assign(std::string(key), std::string(value));
  } else {
    // An insert of a key this transaction knows nothing about: PostgreSQL
    // answers whether it is there. Appends held back go first (they were
    // made first).
    if (s.HasAppends(table)) CUSTOS_RETURN_IF_ERROR(Flush(table));
    CUSTOS_ASSIGN_OR_RETURN(PgResult r,
                            conn_->Run("insert", {table, key, value}, "writing " + std::string(t)));
    if (std::strcmp(PQcmdTuples(r.get()), "0") == 0)
      return Status::AlreadyExists(std::string(exists) + std::string(t));
  }
  s.Written(table);
  s.Remember(table, key, value);
  return Status::Ok();
}

Status PgTxn::Delete(Table table, std::string_view key) {
  if (!writable_) return Status::FailedPrecondition("a read transaction cannot write");
  TxnState& s = *state_;
  if (s.HasAppends(table)) CUSTOS_RETURN_IF_ERROR(Flush(table));
  if (const std::string* const* known = s.Find(table, key)) {
    if (*known == nullptr) return Status::NotFound("no such entry in " + std::string(table));
    s.pending()[std::string(table)].ops.insert_or_assign(std::string(key), std::nullopt);
  } else {
    CUSTOS_ASSIGN_OR_RETURN(
        PgResult r, conn_->Run("delete", {table, key}, "deleting from " + std::string(table)));
    if (std::strcmp(PQcmdTuples(r.get()), "0") == 0)
      return Status::NotFound("no such entry in " + std::string(table));
  }
  s.Written(table);
  s.Remember(table, key, std::nullopt);
  return Status::Ok();
}

// The statements that send what is held back for one table: its
// overwrites, its deletes, its appends (a table holds either ops or
// appends).
void PendingStatements(std::string_view table, const TablePending& p, std::vector<Statement>* out) {
  std::vector<std::string_view> put_keys, put_values, deleted;
  for (const auto& [key, value] : p.ops) {
    if (value) {
      put_keys.push_back(key);
      put_values.push_back(*value);
    } else {
      deleted.push_back(key);
    }
  }
  if (!put_keys.empty())
    out->push_back(
        {"put_many", {std::string(table), ByteaArray(put_keys), ByteaArray(put_values)}});
  if (!deleted.empty()) out->push_back({"delete_many", {std::string(table), ByteaArray(deleted)}});
  if (!p.appends.empty()) {
    std::vector<std::string_view> keys, values;
    for (const auto& [key, value] : p.appends) {
      keys.push_back(key);
      values.push_back(value);
    }
    out->push_back(
        {"append_many",
         {std::string(table), ByteaArray(keys), ByteaArray(values), p.appends.front().first}});
  }
}

std::vector<Statement> PgTxn::TakePending(Table table) {
  std::vector<Statement> statements;
  auto& all = state_->pending();
  auto it = all.find(table);
  if (it == all.end()) return statements;
  PendingStatements(table, it->second, &statements);
  all.erase(it);
  return statements;
}

std::vector<Statement> PgTxn::TakePending() {
  std::vector<Statement> statements;
  for (const auto& [table, p] : state_->pending()) PendingStatements(table, p, &statements);
  state_->pending().clear();
  return statements;
}

Status PgTxn::Flush(Table table) {
  for (const Statement& st : TakePending(table)) CUSTOS_RETURN_IF_ERROR(conn_->Send(st));
  return Status::Ok();
}

Status PgTxn::Flush() {
  for (const Statement& st : TakePending()) CUSTOS_RETURN_IF_ERROR(conn_->Send(st));
  return Status::Ok();
}

Result<std::unique_ptr<KvTxn>> PgTxn::BeginNested() {
  if (!writable_) return Status::FailedPrecondition("a read transaction cannot nest");
  // What is held back belongs to this transaction: sent before the
  // savepoint, so a rollback to it drops only the child's.
  CUSTOS_RETURN_IF_ERROR(Flush());
  auto child = std::make_unique<PgTxn>(conn_, depth_ + 1, state_);
  CUSTOS_RETURN_IF_ERROR(conn_->Exec(("SAVEPOINT " + child->Savepoint()).c_str(), "nesting"));
  return std::unique_ptr<KvTxn>(std::move(child));
}

Status PgTxn::Commit() {
  if (depth_ > 0) {
    // Unsent, the transaction stays open: the destructor rolls it back to
    // the savepoint, which makes the parent usable again.
    CUSTOS_RETURN_IF_ERROR(Flush());
    Status released = conn_->Exec(("RELEASE SAVEPOINT " + Savepoint()).c_str(), "committing");
    if (released.ok()) open_ = false;
    return released;
  }
  // What is held back goes in the same round trip as COMMIT (libpq's
  // pipeline mode). Should one of them fail, PostgreSQL skips the rest,
  // COMMIT included, and the transaction stays open for the destructor to
  // roll back. A transaction that wrote only the audited views' tables is
  // released early (the top of this file).
  bool commit_sent = false;
  bool durable = false;
  const bool release_early =
      writable_ && store_->early_release() && state_->WroteOnlyEarlyRelease();
  Result<PgResult> ended =
      conn_->SendThenCommit(TakePending(), release_early, &commit_sent, &durable);
  if (!commit_sent) return ended.status();
  open_ = false;
  PgResult r = ended.ok() ? std::move(ended).value() : PgResult();
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    if (!conn_->healthy()) {
      // SECURITY: the outcome is unknown; nobody is told it succeeded.
      return Status::Unavailable(
          "the connection to PostgreSQL was lost during COMMIT: whether the write landed is "
          "unknown, and it is not acknowledged");
    }
    return ended.ok() ? PgError(r.get(), conn_->get(), "committing") : ended.status();
  }
  // SECURITY: PostgreSQL answers COMMIT of a transaction in which a
  // statement failed by rolling it back, with the tag ROLLBACK and no error.
  if (std::string_view(PQcmdStatus(r.get())) != "COMMIT") {
    return Status::Aborted(
        "PostgreSQL rolled the transaction back after an error in one of its statements: "
        "nothing of it was written");
  }
  if (!durable) {
    // SECURITY: committed, but not known to be flushed: not acknowledged.
    return Status::Unavailable(
        "PostgreSQL committed the write but did not confirm that it is durable: it is not "
        "acknowledged");
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
  // locally. A session configured for less is raised to `on`. With it,
  // the server's name (Conn::server): its postmaster's start time, to the
  // microsecond, when the role may read it (tried once at open); otherwise
  // the name stays empty, and the node keeps nothing between transactions.
  {
    PgResult r(PQexec(conn->get(), name_servers_
                                       ? "SELECT current_setting('synchronous_commit'), "
                                         "extract(epoch FROM pg_postmaster_start_time())::text"
                                       : "SELECT current_setting('synchronous_commit')"));
    if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK)
      return PgError(r.get(), conn->get(), "reading synchronous_commit");
    if (name_servers_) conn->set_server(PQgetvalue(r.get(), 0, 1));
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

Result<std::unique_ptr<Conn>> PgStore::TakeBegun(const std::string& begin, std::string_view what,
                                                 PgResult* last) const {
  // A pooled connection may have died since it was last used (the server
  // restarted, a failover): PostgreSQL says so only when it is used. Such a
  // connection is dropped and the next one tried, down to a new one.
  for (int attempt = 0; attempt < 64; ++attempt) {
    CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Take());
    Result<PgResult> begun = conn->Query(begin.c_str(), what);
    if (begun.ok()) {
      *last = std::move(begun).value();
      return conn;
    }
    if (conn->healthy()) return begun.status();
    // The server restarted or another took its place (a failover): what
    // this node kept was read from the one before, and is dropped rather
    // than trusted to the versions alone. (A new connection to another
    // server drops it too, by its name: NodeCache::Enter.)
    cache_.Clear();
  }
  return Status::Unavailable("no usable connection to PostgreSQL at " + url_);
}

Result<std::unique_ptr<KvTxn>> PgStore::BeginRead() const {
  // The versions are read in the snapshot that every read of the
  // transaction then sees.
  PgResult versions;
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn,
                          TakeBegun(begin_read_, "beginning a read", &versions));
  auto txn = std::make_unique<PgTxn>(this, std::move(conn), false);
  if (cache_on_) txn->UseCache(&cache_, versions.get());
  return std::unique_ptr<KvTxn>(std::move(txn));
}

Result<std::unique_ptr<KvTxn>> PgStore::BeginWrite() {
  if (read_only_) return Status::FailedPrecondition("the store is open read-only");
  // One writer at a time across every node, from the lock (taken in the
  // same round trip as BEGIN) to COMMIT or ROLLBACK. (Should the lock fail,
  // the connection is dropped, which ends the transaction.) The versions
  // are read after the lock: no other writer changes them until COMMIT.
  PgResult versions;
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn,
                          TakeBegun(begin_write_, "beginning a write", &versions));
  auto txn = std::make_unique<PgTxn>(this, std::move(conn), true);
  if (cache_on_) txn->UseCache(&cache_, versions.get());
  return std::unique_ptr<KvTxn>(std::move(txn));
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
    s->begin_write_ =
        std::string("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(") +
        PQgetvalue(keys.get(), 0, 0) + ")";
    s->leader_lock_ =
        std::string("SELECT pg_try_advisory_lock(") + PQgetvalue(keys.get(), 0, 1) + ")";
    if (!have_table) {
      if (!how.create) return Status::NotFound("no vault in " + url + " (run custos init --store)");
      CUSTOS_RETURN_IF_ERROR(conn.Exec(kSchema, "creating the vault's table"));
    }
    // The read-mostly tables' versions (NodeCache). Without them (a vault
    // opened read-only before any node of this version wrote it, a role
    // that may not make triggers) the node keeps nothing between
    // transactions, which is only slower.
    if (!how.read_only) InstallVersions(conn, s->begin_write_);
    PgResult have(PQexec(conn.get(), kHaveVersions));
    if (!have || PQresultStatus(have.get()) != PGRES_TUPLES_OK)
      return PgError(have.get(), conn.get(), "looking for the tables' versions");
    s->cache_on_ = std::string_view(PQgetvalue(have.get(), 0, 0)) == "t";
    {
      PgResult barrier(PQexec(conn.get(), kBarrier));
      s->early_release_ = barrier && PQresultStatus(barrier.get()) == PGRES_TUPLES_OK;
    }
    {
      PgResult may(PQexec(conn.get(),
                          "SELECT has_function_privilege('pg_catalog.pg_postmaster_start_time()', "
                          "'EXECUTE')"));
      s->name_servers_ = may && PQresultStatus(may.get()) == PGRES_TUPLES_OK &&
                         std::string_view(PQgetvalue(may.get(), 0, 0)) == "t";
    }
    if (s->cache_on_) {
      s->begin_write_ += "; SELECT t, g FROM custos_gen";
      s->begin_read_ += "; SELECT t, g FROM custos_gen";
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
  if (early_release_) {
    // The snapshot copied may hold views released early and not yet
    // flushed: the copy is complete only once they are durable.
    CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Take());
    CUSTOS_RETURN_IF_ERROR(conn->Exec(kBarrier, "confirming that the copied state is durable"));
    Give(std::move(conn));
  }
  return scratch->CopyTo(fd);
}

}  // namespace

Result<std::unique_ptr<KvStore>> OpenPgStore(const std::string& url, const KvOpen& how) {
  return PgStore::Open(url, how);
}

}  // namespace custos::vault::internal
