#!/usr/bin/env python3
"""Crash test of `custos serve`: kill -9 at random moments under a mixed load.

A demo vault is served on 127.0.0.1 while worker threads drive the JSON API
as the demo's users: the author views, rewrites and attaches files to its
own records, a borrower and an approver walk loans through request,
approval, first use and return, and the admin applies policies. At a random
moment (seeded) the server is killed with SIGKILL. Then, for every round:

  * `custos audit verify` passes on what the kill left on disk;
  * every acknowledged operation (its 2xx response arrived before the kill)
    is present after a restart, with its audit event;
  * nothing is half-applied: every version, attachment, loan step and policy
    that is present — acknowledged or not — has its audit event, every
    allowed event of those kinds has its state change, an attachment is
    either listed and reads back byte for byte or absent, and each record's
    view counter matches the view events in the log.

The audit log is read with `custos audit export --as auditor` while the
server is down. Python 3 standard library only. Exit 0 when every round
passes; 1 with the first failure otherwise.

With --pg-cluster DIR (a cluster started by tests/pg/pg_cluster.sh), the
vault is in a PostgreSQL schema of its own and two `serve` nodes share it:
the load goes to one node, which is killed; the other node keeps running
throughout, and each round's checks are made through it — it serves on,
and sees every operation the killed node acknowledged. The killed node is
started again for the next round.

  serve_crash_test.py --custos build/cli/custos [--rounds 20] [--seed 17]
                      [--pg-cluster DIR]
"""

import argparse
import hashlib
import http.client
import json
import math
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

PASSPHRASE = "crash-test-passphrase"
PASSWORD = "Custos-Demo-2026"  # every demo account's password
CHUNK = 64 * 1024  # the vault's attachment chunk size
RECENT_VIEWS = 1024  # view times a counter keeps (vault/records/records.cc)
PLACE = {"workstation": "CRASH-01", "location": "test bench"}


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# ---- the server and the CLI ----------------------------------------------------


class Custos:
    def __init__(self, binary, data, store=None):
        self.binary = binary
        self.data = data
        # Where the vault is: --data DIR, or --store URL (PostgreSQL).
        self.where = ["--store", store] if store else ["--data", data]
        self.env = dict(os.environ, CUSTOS_PASSPHRASE=PASSPHRASE, CUSTOS_USER_PASSWORD=PASSWORD)

    def run(self, *args, timeout=300):
        p = subprocess.run([self.binary, *args, *self.where], env=self.env,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode(
            "utf-8", "replace")

    def must(self, *args):
        rc, out, err = self.run(*args)
        check(rc == 0, "custos %s: exit %d\n%s%s" % (" ".join(args), rc, out, err))
        return out


class Server:
    """`custos serve` on an ephemeral port; its output is drained in the background."""

    def __init__(self, custos):
        self.proc = subprocess.Popen(
            [custos.binary, "serve", *custos.where, "--listen", "127.0.0.1:0", "--demo"],
            env=custos.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        self.output = []
        self.port = None
        deadline = time.monotonic() + 60
        line = b""
        while self.port is None:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.proc.kill()
                self.proc.wait()
                raise Failure("custos serve did not start:\n" + b"".join(self.output).decode(
                    "utf-8", "replace") + line.decode("utf-8", "replace"))
            ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 0.5))
            if not ready:
                continue
            c = os.read(self.proc.stdout.fileno(), 1)
            if not c:
                continue
            line += c
            if c == b"\n":
                self.output.append(line)
                text = line.decode("utf-8", "replace")
                if "Custos is serving" in text:
                    self.port = int(text.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
                line = b""
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()

    def _drain(self):
        for line in self.proc.stdout:
            self.output.append(line)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.drain.join(timeout=10)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=60)
        self.drain.join(timeout=10)
        return rc

    def log(self):
        return b"".join(self.output).decode("utf-8", "replace")


class Client:
    """One session of one user over one keep-alive connection."""

    def __init__(self, port, username):
        self.port = port
        self.username = username
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.last_used = time.monotonic()
        self.cookies = {}
        self.csrf = None
        status, body = self.call("POST", "/api/v1/session",
                                 dict(PLACE, username=username, password=PASSWORD))
        check(status == 200, "login of %s: %d %s" % (username, status, body[:300]))
        session = json.loads(body)
        self.csrf = session["csrf_token"]
        self.user_id = session["user"]["id"]

    def call(self, method, path, body=None, raw=None, content_type=None):
        """Returns (status, body bytes); raises OSError/HTTPException when the server is gone."""
        # The server closes a keep-alive connection idle for 5 s (web/internal/
        # connection.cc); as a browser would, open a new one rather than send
        # into a closed one (the checks between rounds leave some sessions
        # idle that long, under the sanitizers especially).
        if time.monotonic() - self.last_used > 4:
            self.conn.close()
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if self.csrf is not None and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif raw is not None:
            data = raw
            headers["Content-Type"] = content_type or "application/octet-stream"
        elif method != "GET":
            data = b"{}"
            headers["Content-Type"] = "application/json"
        # The server may also end an idle keep-alive connection after one
        # second when other connections wait for a worker (connection.cc,
        # ReceiveIdle). A request sent into a reused connection that the
        # server closed without answering is sent again on a new one, as
        # browsers do; the server had not read it. (During the load a
        # killed server refuses the new connection: that still raises.)
        reused = self.conn.sock is not None
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if not reused:
                raise
            self.conn.close()
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
        payload = resp.read()
        self.last_used = time.monotonic()
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                k, _, v = value.split(";", 1)[0].partition("=")
                self.cookies[k.strip()] = v.strip()
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return resp.status, payload

    def json(self, method, path, body=None, expect=(200,)):
        status, payload = self.call(method, path, body)
        check(status in expect, "%s %s as %s: %d %s" % (method, path, self.username, status,
                                                          payload[:300]))
        return json.loads(payload)

    def close(self):
        self.conn.close()


# ---- what was sent and what was acknowledged ---------------------------------------


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.updates = []      # (record, version, reason)   acknowledged
        self.update_reasons = set()  # every reason sent
        self.views = []        # (user id, record, audit seq) acknowledged
        self.uploads = {}      # filename → (record, size, sha256 hex) sent
        self.uploaded = set()  # filenames acknowledged
        self.loans = set()     # loan ids seen in a response
        self.loan_steps = []   # (loan id, action, audit seq) acknowledged
        self.policies = []     # (sha256, audit seq) acknowledged
        self.unacknowledged_present = set()  # committed, but the answer never arrived
        self.counts = {}

    def add(self, kind, item=None, n=1):
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + n
            if item is not None:
                getattr(self, kind).append(item)


def attachment_bytes(filename, size):
    return random.Random(filename).randbytes(size)


class Workers:
    """The load of one round: one thread per kind of operation."""

    def __init__(self, port, setup, ledger, rng_seed, round_no):
        self.port = port
        self.setup = setup
        self.ledger = ledger
        self.seed = rng_seed
        self.round = round_no
        self.stop = threading.Event()
        self.errors = []
        self.threads = []
        self.sessions = []

    def session(self, username):
        c = Client(self.port, username)
        self.sessions.append(c)
        return c

    def start(self):
        # Logins happen before the load so that the kill lands among the
        # operations; each worker has its own sessions.
        plan = [
            (self.views, [self.session("author")]),
            (self.updates, [self.session("author")]),
            (self.uploads, [self.session("author")]),
            (self.loans, [self.session("borrower"), self.session("approver")]),
            (self.policies, [self.session("admin"), self.session("admin2")]),
        ]
        for i, (fn, sessions) in enumerate(plan):
            rng = random.Random("%d/%d/%d" % (self.seed, self.round, i))
            t = threading.Thread(target=self._run, args=(fn, rng, *sessions), daemon=True)
            self.threads.append(t)
        for t in self.threads:
            t.start()

    def _run(self, fn, rng, *sessions):
        op = 0
        try:
            while not self.stop.is_set():
                fn(rng, op, *sessions)
                op += 1
        except (OSError, http.client.HTTPException):
            pass  # the server is gone: nothing after this was acknowledged
        except Failure as e:
            self.errors.append(str(e))
        except Exception as e:  # a bug in the test itself
            self.errors.append("%s: %r" % (fn.__name__, e))

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)
            check(not t.is_alive(), "a worker hangs after the kill")
        for c in self.sessions:
            c.close()

    def tag(self, op, what):
        return "crash r%d %s %d" % (self.round, what, op)

    # Owner views of the author's own records (unlimited quota).
    def views(self, rng, op, author):
        rec = rng.choice(self.setup["own"])
        status, body = author.call("POST", "/api/v1/records/%s/view" % rec,
                                   {"reason": self.tag(op, "view")})
        check(status == 200, "view of %s: %d %s" % (rec, status, body[:300]))
        v = json.loads(body)
        self.ledger.add("views", (author.user_id, rec, v["watermark"]["audit_seq"]))
        time.sleep(rng.uniform(0.01, 0.03))

    # New versions of the author's own records.
    def updates(self, rng, op, author):
        rec = rng.choice(self.setup["own"])
        meta = self.setup["meta"][rec]
        reason = self.tag(op, "update")
        with self.ledger.lock:
            self.ledger.update_reasons.add((rec, reason))
        status, body = author.call("PUT", "/api/v1/records/%s" % rec, {
            "name": meta["name"], "classification": meta["classification"], "reason": reason,
            "content": {"notes": reason}})
        check(status == 200, "update of %s: %d %s" % (rec, status, body[:300]))
        v = json.loads(body)
        self.ledger.add("updates", (rec, v["record"]["latest_version"], reason))

    # Attachments of 40 KiB to 5 MiB: the larger ones take several chunk
    # writes before the one that lists them.
    def uploads(self, rng, op, author):
        rec = rng.choice(self.setup["own"])
        size = rng.choice([40 * 1024, 300 * 1024, 1500 * 1024, 5 * 1024 * 1024 + 123])
        filename = "crash-r%d-%d.bin" % (self.round, op)
        data = attachment_bytes(filename, size)
        with self.ledger.lock:
            self.ledger.uploads[filename] = (rec, size, hashlib.sha256(data).hexdigest())
        query = urllib.parse.urlencode({"filename": filename, "reason": self.tag(op, "upload")})
        status, body = author.call("POST", "/api/v1/records/%s/attachments?%s" % (rec, query),
                                   raw=data)
        check(status == 201, "upload to %s: %d %s" % (rec, status, body[:300]))
        with self.ledger.lock:
            self.ledger.uploaded.add(filename)
        self.ledger.add("attachments")

    # A loan's life: request, approval, first use (a view), return.
    def loans(self, rng, op, borrower, approver):
        rec = rng.choice(self.setup["lendable"])
        status, body = borrower.call("POST", "/api/v1/loans", {
            "record": rec, "kind": "view", "reason": self.tag(op, "loan request")})
        if status != 201:  # e.g. the borrower still holds a loan of it
            check(400 <= status < 500, "loan request: %d %s" % (status, body[:300]))
            return
        loan = json.loads(body)["loan"]
        self._loan_step(loan, "loan.request")
        for method, who, path, body in [
                ("approve", approver, "/api/v1/loans/%s/approve", {"comment": "ok"}),
                ("view", borrower, "/api/v1/records/%s/view" % rec,
                 {"reason": self.tag(op, "loan view"), "loan_id": loan["id"]}),
                ("return", borrower, "/api/v1/loans/%s/return", {"comment": "done"})]:
            status, payload = who.call("POST", path % loan["id"] if "%s" in path else path, body)
            if method == "view":
                # A view under the loan is its first use, a step of the loan;
                # a refused one (the quota) is not, and the loan is returned.
                view = json.loads(payload) if status == 200 else {}
                if view.get("rule") == "allow.view.loan":
                    self._loan_step_seq(loan["id"], "loan.first_use",
                                        view["watermark"]["audit_seq"])
                continue
            check(status == 200, "loan %s: %d %s" % (method, status, payload[:300]))
            self._loan_step(json.loads(payload)["loan"], "loan." + method)

    def _loan_step(self, loan, action):
        with self.ledger.lock:
            self.ledger.loans.add(loan["id"])
        steps = [s for s in loan["history"] if s["action"] == action]
        check(steps, "loan %s answered without its %s step" % (loan["id"], action))
        self._loan_step_seq(loan["id"], action, steps[-1]["audit_seq"])

    def _loan_step_seq(self, loan_id, action, seq):
        self.ledger.add("loan_steps", (loan_id, action, seq))

    # Policies that differ only by a comment (a new SHA-256 each time). The
    # demo's policy guards role grants with two administrators, so changing
    # it takes two: the first application is recorded, the second puts it in
    # force.
    def policies(self, rng, op, admin, admin2):
        xml = self.setup["policy_xml"].replace(
            "<custos-policy", "<!-- %s -->\n<custos-policy" % self.tag(op, "policy"), 1)
        for who in (admin, admin2):
            status, body = who.call("POST", "/api/v1/policy",
                                    {"xml": xml, "reason": self.tag(op, "policy")})
            check(status == 200, "policy apply: %d %s" % (status, body[:300]))
            v = json.loads(body)
        check(not v["pending_second_approval"], "a second administrator left the policy pending")
        self.ledger.add("policies", (v["sha256"], v["audit_seq"]))
        time.sleep(rng.uniform(0.05, 0.2))


# ---- checks after each kill ------------------------------------------------------------


def read_log(custos):
    """Every event, by seq (the export is itself an audited read)."""
    out = custos.must("audit", "export", "--as", "auditor")
    events = {}
    for line in out.splitlines():
        e = json.loads(line)
        events[e["seq"]] = e
    check(sorted(events) == list(range(len(events))), "export is not the whole log in order")
    return events


def expect_event(events, seq, action, object_id, what):
    e = events.get(seq)
    check(e is not None, "%s: no audit event %d" % (what, seq))
    check(e["action"] == action and e["object"]["id"] == object_id and e["decision"] == "allow",
          "%s: audit event %d is %s %s %s" % (what, seq, e["action"], e["object"].get("id"),
                                             e["decision"]))


def check_round(custos, port, setup, ledger, events, chunks_before):
    author = Client(port, "author")
    borrower = Client(port, "borrower")
    admin = Client(port, "admin")
    found = {}
    unacked = ledger.unacknowledged_present
    try:
        # Views: each acknowledged one has its event; the counter of every
        # record the author viewed matches the allowed view events (a view
        # counted without its event, or the reverse, would show here).
        for user, rec, seq in ledger.views:
            expect_event(events, seq, "record.view", rec, "view of " + rec)
        acked_views = {seq for _, _, seq in ledger.views}
        for e in events.values():
            if (e["action"] == "record.view" and e["reason"].startswith("crash r")
                    and e["reason"].split()[2] == "view" and e["seq"] not in acked_views):
                unacked.add(("view", e["seq"]))
        for rec in setup["own"]:
            logged = sum(1 for e in events.values()
                         if e["action"] == "record.view" and e["decision"] == "allow"
                         and e["object"]["id"] == rec and e["actor"]["id"] == author.user_id)
            if setup["meta"][rec]["classification"] != "public":
                logged = min(logged, RECENT_VIEWS)  # a windowed quota counts the latest ones
            v = author.json("POST", "/api/v1/records/%s/view" % rec, {"reason": "crash check"})
            check(v["views_used"] == logged + 1,
                  "record %s: the view counter says %d earlier views, the log %d" %
                  (rec, v["views_used"] - 1, logged))

        # Versions: acknowledged ones present; every version of ours has one
        # record.update event, none applied twice.
        updates = {(e["object"]["id"], e["object"].get("version")): e for e in events.values()
                   if e["action"] == "record.update" and e["decision"] == "allow"}
        acked = {(rec, reason): version for rec, version, reason in ledger.updates}
        stored = set()
        for rec in setup["own"]:
            versions = author.json("GET", "/api/v1/records/%s/versions" % rec)["versions"]
            stored |= {(rec, ver["version"]) for ver in versions}
            seen = set()
            for ver in versions:
                reason = ver["reason"]
                if not reason.startswith("crash r"):
                    continue
                check(reason not in seen, "%s: %r applied twice" % (rec, reason))
                seen.add(reason)
                check((rec, ver["version"]) in updates,
                      "%s v%d has no record.update event" % (rec, ver["version"]))
                if (rec, reason) not in acked:
                    unacked.add(("version", rec, reason))
            for (r, reason), version in acked.items():
                if r == rec:
                    check(reason in seen, "%s: acknowledged update %r (v%d) is missing" %
                          (rec, reason, version))
        for (rec, version), e in updates.items():
            if rec in setup["meta"]:
                check((rec, version) in stored,
                      "event %d: %s v%d is not stored" % (e["seq"], rec, version))

        # Attachments: listed ones of ours read back exactly and have their
        # event; acknowledged ones are listed; unlisted ones left no event.
        listed = {}
        chunks = 0
        for rec in setup["own"]:
            for a in author.json("GET", "/api/v1/records/%s/attachments" % rec)["attachments"]:
                listed[a["filename"]] = a
                chunks += max(1, math.ceil(a["size"] / CHUNK))
        adds = {e["object"]["id"]: e for e in events.values()
                if e["action"] == "attachment.add" and e["decision"] == "allow"
                and e["details"].get("record") in setup["meta"]}
        ids = {a["id"] for a in listed.values()}
        for att_id in adds:
            check(att_id in ids, "attachment.add event for %s, which is not listed" % att_id)
        for filename, (rec, size, sha) in ledger.uploads.items():
            a = listed.get(filename)
            if a is None:
                check(filename not in ledger.uploaded,
                      "acknowledged attachment %s is missing" % filename)
                continue
            check(a["record"] == rec and a["size"] == size and a["sha256"] == sha,
                  "attachment %s: listed as %r" % (filename, a))
            expect_event(events, a["audit_seq"], "attachment.add", a["id"], filename)
            if filename not in ledger.uploaded:
                unacked.add(("attachment", filename))
            if filename not in setup["downloaded"]:
                status, body = author.call("POST", "/api/v1/attachments/%s/download" % a["id"],
                                           {"reason": "crash check"})
                check(status == 200, "download of %s: %d %s" % (filename, status, body[:200]))
                check(hashlib.sha256(body).hexdigest() == sha,
                      "attachment %s reads back different bytes" % filename)
                setup["downloaded"].add(filename)
        info = custos.must("status")  # read-only, beside the server
        in_table = int(info.split("stream_chunks", 1)[1].split()[0])
        found["orphan_chunks"] = in_table - chunks_before - chunks

        # Loans: acknowledged steps present; every step has its event and
        # every allowed loan event of ours has its step.
        history = {}
        for loan_id in sorted(ledger.loans):
            loan = borrower.json("GET", "/api/v1/loans/%s" % loan_id)["loan"]
            history[loan_id] = {(s["action"], s["audit_seq"]) for s in loan["history"]}
            for action, seq in history[loan_id]:
                if action == "loan.first_use":
                    expect_event(events, seq, "record.view", loan["record"], loan_id + " first use")
                else:
                    expect_event(events, seq, action, loan_id, "%s %s" % (loan_id, action))
        for loan_id, action, seq in ledger.loan_steps:
            check((action, seq) in history.get(loan_id, ()),
                  "acknowledged %s of %s (event %d) is missing" % (action, loan_id, seq))
        for e in events.values():
            if (e["action"].startswith("loan.") and e["decision"] == "allow"
                    and e["object"]["id"] in ledger.loans):
                check((e["action"], e["seq"]) in history[e["object"]["id"]],
                      "event %d (%s) has no step in loan %s" % (e["seq"], e["action"],
                                                                 e["object"]["id"]))
        requested = {e["object"]["id"] for e in events.values()
                     if e["action"] == "loan.request" and e["decision"] == "allow"
                     and e["actor"]["id"] == borrower.user_id}
        for loan_id in requested - ledger.loans - setup["old_loans"]:
            # A request that committed but whose answer never arrived.
            status, _ = borrower.call("GET", "/api/v1/loans/%s" % loan_id)
            check(status == 200, "loan.request event for %s, which does not exist" % loan_id)
            unacked.add(("loan", loan_id))
            ledger.loans.add(loan_id)

        # Policies: acknowledged ones in the history; every entry has its event
        # and every allowed policy.apply has its entry.
        policy = admin.json("GET", "/api/v1/policy")
        entries = {(h["sha256"], h["audit_seq"]) for h in policy["history"]}
        for sha, seq in entries:
            e = events.get(seq)
            check(e is not None and e["action"] in ("policy.apply", "policy.install")
                  and e["object"]["id"] == sha, "policy %s: its event %d is missing" % (sha, seq))
        acked_policies = set(ledger.policies)
        for sha, seq in ledger.policies:
            check((sha, seq) in entries, "acknowledged policy %s is missing" % sha)
        for sha, seq in entries:
            if (sha, seq) not in acked_policies and events[seq]["reason"].startswith("crash r"):
                unacked.add(("policy", sha))
        for e in events.values():
            if (e["action"] == "policy.apply" and e["decision"] == "allow"
                    and e.get("outcome") != "pending_second_approval"):
                check((e["object"]["id"], e["seq"]) in entries,
                      "event %d applied policy %s, which is not in the history" %
                      (e["seq"], e["object"]["id"]))
    finally:
        for c in (author, borrower, admin):
            c.close()
    return found


# ---- setup and the rounds ------------------------------------------------------------------


def prepare(custos, root):
    custos.must("demo", "--kdf-profile", "test", "--customers", "12")
    server = Server(custos)
    author = Client(server.port, "author")
    setup = {"own": [], "meta": {}, "lendable": [], "downloaded": set()}
    with open(os.path.join(root, "policy", "default-policy.xml"), encoding="utf-8") as f:
        setup["policy_xml"] = f.read()
    # Records the author owns, at levels whose owner views are unlimited,
    # and records the borrower may borrow (one approval, no release).
    for i, level in enumerate(["public", "internal", "confidential", "internal"]):
        rec = author.json("POST", "/api/v1/records", {
            "name": "崩溃测试客户 %d" % i, "classification": level, "reason": "crash test setup",
            "content": {"notes": "setup"}}, expect=(201,))["record"]
        setup["own"].append(rec["id"])
        setup["meta"][rec["id"]] = rec
    for i in range(24):
        rec = author.json("POST", "/api/v1/records", {
            "name": "借阅测试客户 %d" % i, "classification": "confidential",
            "reason": "crash test setup", "content": {"notes": "setup"}}, expect=(201,))["record"]
        setup["lendable"].append(rec["id"])
    borrower = Client(server.port, "borrower")
    setup["old_loans"] = {l["id"] for l in borrower.json("GET", "/api/v1/loans?scope=mine")["loans"]}
    author.close()
    borrower.close()
    check(server.stop() == 0, "custos serve did not stop cleanly:\n" + server.log())
    info = custos.must("status")
    chunks = int(info.split("stream_chunks", 1)[1].split()[0])
    return setup, chunks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--custos", required=True, help="the custos binary")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--min-kill", type=float, default=0.3, help="earliest kill, seconds into the load")
    ap.add_argument("--max-kill", type=float, default=2.0, help="latest kill")
    ap.add_argument("--keep", action="store_true", help="keep the vault directory")
    ap.add_argument("--pg-cluster", help="two nodes on a PostgreSQL vault in this test cluster")
    args = ap.parse_args()
    root = os.environ.get("CUSTOS_SOURCE_ROOT") or os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tmp = tempfile.mkdtemp(prefix="custos-crash-")
    store = None
    if args.pg_cluster:
        with open(os.path.join(args.pg_cluster, "url"), encoding="utf-8") as f:
            base = f.read().strip()
        schema = "crash_%d_%d" % (os.getpid(), int(time.time()))
        subprocess.run(["psql", base, "-qc", "CREATE SCHEMA " + schema], check=True,
                       stdin=subprocess.DEVNULL, capture_output=True)
        store = base + "?options=-csearch_path%3D" + schema
    custos = Custos(os.path.abspath(args.custos), os.path.join(tmp, "vault"), store)
    started = time.monotonic()
    ok = False
    rng = random.Random(args.seed)
    servers = []
    try:
        setup, chunks_before = prepare(custos, root)
        print("setup: %.1f s" % (time.monotonic() - started), flush=True)
        ledger = Ledger()
        server = Server(custos)
        servers.append(server)
        # Two nodes: the survivor is never killed; the checks go through it.
        survivor = None
        if store:
            survivor = Server(custos)
            servers.append(survivor)
        for round_no in range(1, args.rounds + 1):
            t0 = time.monotonic()
            workers = Workers(server.port, setup, ledger, args.seed, round_no)
            workers.start()
            kill_after = rng.uniform(args.min_kill, args.max_kill)
            time.sleep(kill_after)
            server.kill9()
            workers.join()
            check(not workers.errors, "round %d: %s" % (round_no, "; ".join(workers.errors)))
            t1 = time.monotonic()
            rc, out, err = custos.run("audit", "verify")
            check(rc == 0, "round %d: audit verify after the kill failed:\n%s%s" %
                  (round_no, out, err))
            t2 = time.monotonic()
            events = read_log(custos)
            if survivor is not None:
                check(survivor.proc.poll() is None, "round %d: the other node stopped:\n%s" %
                      (round_no, survivor.log()))
                found = check_round(custos, survivor.port, setup, ledger, events, chunks_before)
                server = Server(custos)
                servers.append(server)
            else:
                server = Server(custos)
                servers.append(server)
                found = check_round(custos, server.port, setup, ledger, events, chunks_before)
            print("round %2d: killed %.2f s into the load; acknowledged so far %s; "
                  "present without acknowledgement so far %d; orphan attachment chunks %d; "
                  "log %d events "
                  "(verify %.2f s); round %.1f s" %
                  (round_no, kill_after, json.dumps(ledger.counts, sort_keys=True),
                   len(ledger.unacknowledged_present), found["orphan_chunks"], len(events), t2 - t1,
                   time.monotonic() - t0), flush=True)
        check(server.stop() == 0, "custos serve did not stop cleanly:\n" + server.log())
        if survivor is not None:
            check(survivor.stop() == 0, "the other node did not stop cleanly:\n" + survivor.log())
        rc, out, err = custos.run("audit", "verify")
        check(rc == 0, "final audit verify failed:\n%s%s" % (out, err))
        ok = True
        print("PASS: %d rounds in %.1f s" % (args.rounds, time.monotonic() - started))
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        print("vault kept in %s" % tmp, file=sys.stderr)
        args.keep = True
    except Exception as e:  # a connection the server dropped, or a bug in this test
        # One line first (CI may show only the start of the output): what and
        # where in this file, then the whole traceback and the servers' output.
        here = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == __file__]
        where = ", ".join("line %d (%s)" % (f.lineno, f.name) for f in here[-3:])
        print("FAIL: unexpected %r at %s" % (e, where), file=sys.stderr)
        traceback.print_exc()
        for i, server in list(enumerate(servers))[-3:]:
            print("---- output of server %d (%s):\n%s" %
                  (i, "running" if server.proc.poll() is None else "exited %s" %
                   server.proc.returncode, server.log()[-4000:]), file=sys.stderr)
        print("vault kept in %s" % tmp, file=sys.stderr)
        args.keep = True
    finally:
        for server in servers:
            if server.proc.poll() is None:
                server.kill9()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
