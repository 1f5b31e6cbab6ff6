#!/usr/bin/env python3
"""Self-test of tests/tools/verify_evidence.py (Python 3 standard library + openssl).

Builds, in a temporary directory, a small but complete custos-evidence/1
bundle exactly as docs/evidence.md describes it -- Ed25519 keys made by
`openssl genpkey`, events as canonical JSON lines, an RFC 6962 Merkle tree,
signed checkpoints (c2sp.org/signed-note), c2sp.org/tlog-proof files, a
consistency proof, a policy, a record with commitments and salts, an agreement
signed by another key, and (when openssl can make one quickly) an RFC 3161
timestamp from a throwaway CA -- and runs the verifier on it and on many
broken copies: each kind of file changed by one byte with SHA256SUMS left as
is, with SHA256SUMS recomputed (an outsider), and with the manifest recomputed
and re-signed too (an insider holding the log key), so that every check of
"What a verifier checks" must catch its own kind of tampering.

The Merkle tree, proofs and bundle are built here from RFC 6962 and the docs,
independently of the verifier's code, so the two cross-check each other.

Usage: verify_evidence_selftest.py [--bench N] [--keep DIR] [-v]
Exit status 0 when every case gives the expected result.
"""

import argparse
import base64
import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
VERIFIER = os.path.join(HERE, "verify_evidence.py")
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import verify_evidence  # noqa: E402

LOG_NAME = "custos.example/selftest-vault"
EM_DASH = "\u2014"
SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


# ---- openssl helpers ---------------------------------------------------------


def openssl(*args, cwd=None):
    """Runs openssl; returns stdout; raises on failure."""
    r = subprocess.run(["openssl"] + list(args), cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
    return r.stdout


class Ed25519Key:
    """A private key made by `openssl genpkey -algorithm ed25519`."""

    def __init__(self, workdir, label):
        self.workdir = workdir
        self.path = os.path.join(workdir, label + ".key")
        openssl("genpkey", "-algorithm", "ed25519", "-out", self.path)
        self.pem = openssl("pkey", "-in", self.path, "-pubout")
        der = openssl("pkey", "-in", self.path, "-pubout", "-outform", "DER")
        assert der.startswith(SPKI_PREFIX) and len(der) == 44
        self.raw = der[len(SPKI_PREFIX):]
        self.counter = 0

    def sign(self, message):
        self.counter += 1
        msg = os.path.join(self.workdir, "msg%d" % self.counter)
        sig = msg + ".sig"
        with open(msg, "wb") as f:
            f.write(message)
        openssl("pkeyutl", "-sign", "-inkey", self.path, "-rawin", "-in", msg, "-out", sig)
        with open(sig, "rb") as f:
            signature = f.read()
        os.unlink(msg)
        os.unlink(sig)
        assert len(signature) == 64
        return signature

    def key_id(self, name):
        return hashlib.sha256(name.encode() + b"\n\x01" + self.raw).digest()[:4]

    def vkey(self, name):
        return "%s+%s+%s" % (name, self.key_id(name).hex(),
                             base64.b64encode(b"\x01" + self.raw).decode())

    def signed_note(self, name, text):
        """c2sp.org/signed-note: text, blank line, one Ed25519 signature line."""
        sig = base64.b64encode(self.key_id(name) + self.sign(text)).decode()
        return text + b"\n" + ("%s %s %s\n" % (EM_DASH, name, sig)).encode()


# ---- RFC 6962 section 2.1 (written from the RFC's definitions) ---------------


class MerkleTree:
    """MTH, PATH and PROOF of RFC 6962 section 2.1, memoizing subtree hashes."""

    def __init__(self, leaves):
        self.hashes = [hashlib.sha256(b"\x00" + l).digest() for l in leaves]
        self.memo = {}

    @staticmethod
    def split(n):
        """The largest power of two smaller than n (n > 1)."""
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    def mth(self, lo, hi):
        if hi - lo == 0:
            return hashlib.sha256(b"").digest()
        if hi - lo == 1:
            return self.hashes[lo]
        key = (lo, hi)
        if key not in self.memo:
            k = self.split(hi - lo)
            self.memo[key] = hashlib.sha256(
                b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi)).digest()
        return self.memo[key]

    def root(self, size):
        return self.mth(0, size)

    def path(self, m, lo, hi):
        """PATH(m, D[lo:hi])."""
        n = hi - lo
        if n == 1:
            return []
        k = self.split(n)
        if m < k:
            return self.path(m, lo, lo + k) + [self.mth(lo + k, hi)]
        return self.path(m - k, lo + k, hi) + [self.mth(lo, lo + k)]

    def inclusion(self, index, size):
        return self.path(index, 0, size)

    def subproof(self, m, lo, hi, complete):
        """SUBPROOF(m, D[lo:hi], b)."""
        n = hi - lo
        if m == n:
            return [] if complete else [self.mth(lo, hi)]
        k = self.split(n)
        if m <= k:
            return self.subproof(m, lo, lo + k, complete) + [self.mth(lo + k, hi)]
        return self.subproof(m - k, lo + k, hi, False) + [self.mth(lo, lo + k)]

    def consistency(self, m, n):
        return self.subproof(m, 0, n, True)


# ---- bundle construction -----------------------------------------------------


def canonical(obj):
    """Canonical JSON: UTF-8, keys sorted, no insignificant whitespace."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64(data):
    return base64.b64encode(data).decode()


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def flatten(value, path="content"):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(flatten(v, "%s.%s" % (path, k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, "%s[%d]" % (path, i)))
        return out
    return {path: value}


DOC_TYPES = [
    ("audit/events.jsonl", "AuditEvents", "application/x-ndjson"),
    ("audit/checkpoint.tsr", "TimestampToken", "application/timestamp-reply"),
    ("audit/checkpoints/", "Checkpoint", "text/plain"),
    ("audit/checkpoint", "Checkpoint", "text/plain"),
    ("audit/consistency/", "ConsistencyProof", "text/plain"),
    ("audit/", "InclusionProof", "text/plain"),
    ("keys/", "Key", "application/x-pem-file"),
    ("policy/", "Policy", "application/xml"),
    ("people/", "Person", "application/json"),
    ("evidence/request.json", "Request", "application/json"),
    ("report.html", "Report", "text/html"),
    ("VERIFY.md", "Instructions", "text/markdown"),
    ("verify.py", "Verifier", "text/x-python"),
]


def doc_type(path):
    """The manifest DocType and MIME type of a bundle path."""
    parts = path.split("/")
    if parts[0] == "records":
        leaf = parts[-1]
        if leaf == "meta.json":
            return "RecordMeta", "application/json"
        if parts[2] == "attachments":
            return "Attachment", "application/octet-stream"
        if leaf.endswith(".commitments.json"):
            return "Commitments", "application/json"
        if leaf.endswith(".salts.json"):
            return "Salts", "application/json"
        if leaf.endswith(".html"):
            return "RecordRendering", "text/html"
        return "RecordVersion", "application/json"
    if parts[0] == "agreements":
        leaf = parts[-1]
        if parts[2] == "signatures":
            return "Signature", "application/octet-stream"
        return {"agreement.json": ("Agreement", "application/json"),
                "document.html": ("AgreementDocument", "text/html"),
                "scan": ("AgreementScan", "application/pdf"),
                "certificate.json": ("Certificate", "application/json"),
                "noncompete.json": ("NonCompete", "application/json")}[leaf]
    for prefix, kind, mime in DOC_TYPES:
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return kind, mime
    raise KeyError(path)


def xml_attr(value):
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def make_manifest(files, checkpoint_size, root_b64, redacted):
    """manifest.xml for every file but the three unsigned ones."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<Root DataInterchangeType="Complete" Format="custos-evidence/1">',
           '  <Case Reference="%s" RequestId="e-0001" Purpose="%s"/>'
           % (xml_attr("(2026)沪0115民初1234号"), xml_attr("Self-test <case> & \"scope\"")),
           '  <Scope From="2026-08-01T00:00:00.000Z" To="" Redacted="%s" Encrypted="false">'
           % ("true" if redacted else "false"),
           '    <Person Id="u-1" Username="sales.wang" Name="王磊"/>',
           '    <Record Id="c-1"/>',
           '  </Scope>',
           '  <Creator Id="u-9" Username="litigation" Name="Li Tigation"/>',
           '  <Created>2026-12-02T07:00:00.000Z</Created>',
           '  <Log Name="%s" CheckpointSize="%d" RootHash="%s"/>'
           % (LOG_NAME, checkpoint_size, root_b64),
           '  <Batch>', '    <Documents>']
    for i, path in enumerate(sorted(p for p in files if p not in UNSIGNED), 1):
        kind, mime = doc_type(path)
        directory, _, name = path.rpartition("/")
        out += ['      <Document DocID="D%06d" DocType="%s" MimeType="%s">' % (i, kind, mime),
                '        <Files>', '          <File FileType="Native">',
                '            <ExternalFile FilePath="%s" FileName="%s" FileSize="%d"'
                % (directory, name, len(files[path])),
                '                          Hash="%s" HashType="SHA256"/>' % sha256_hex(files[path]),
                '          </File>', '        </Files>', '      </Document>']
    out += ['    </Documents>', '  </Batch>', '</Root>', '']
    return "\n".join(out).encode()


UNSIGNED = ("manifest.xml", "manifest.xml.sig", "SHA256SUMS")
ATTACHMENT = bytes(range(256)) * 64 + b"pricing"


def make_sums(files):
    return "".join("%s  %s\n" % (sha256_hex(files[p]), p)
                   for p in sorted(files) if p != "SHA256SUMS").encode()


class Fixture:
    """Keys, the log, and the content files of one test vault and case."""

    def __init__(self, workdir, events_total=12, exported=None, earlier_size=5,
                 with_timestamp=True):
        self.workdir = workdir
        self.log_key = Ed25519Key(workdir, "log")
        self.signer_key = Ed25519Key(workdir, "signer")
        self.policy = (b'<?xml version="1.0" encoding="UTF-8"?>\n<policy version="7">\n'
                       b'  <rule id="request_evidence" role="litigation"/>\n</policy>\n')
        self.policy_hash = sha256_hex(self.policy)
        self.size = events_total
        self.earlier_size = earlier_size
        self.leaves = self._make_log(events_total, earlier_size)
        self.tree = MerkleTree(self.leaves)
        if exported is None:
            exported = [0, 2, 3, 5, 7, 9, 10]
        self.exported = exported
        self.checkpoint = self.make_checkpoint(self.size)
        self.timestamp = make_timestamp(workdir, self.checkpoint) if with_timestamp else None

    def make_checkpoint(self, size):
        text = ("%s\n%d\n%s\n" % (LOG_NAME, size, b64(self.tree.root(size)))).encode()
        return self.log_key.signed_note(LOG_NAME, text)

    def _make_log(self, total, earlier_size):
        """Events 0..total-1; event 7 (an earlier export) names checkpoint S."""
        leaves = []
        earlier_root = None
        for seq in range(total):
            event = {"seq": seq, "time": "2026-11-%02dT09:00:00.000Z" % (seq % 28 + 1),
                     "type": "record.view", "actor": "u-1", "record": "c-1",
                     "outcome": "allow", "policy": self.policy_hash,
                     "details": {"note": "查看 %d" % seq}}
            if seq == 1:
                event["policy"] = ""
            if seq == 7 and earlier_size is not None:
                if earlier_root is None:
                    earlier_root = MerkleTree(leaves).root(earlier_size)
                event["type"] = "evidence.export"
                event["details"] = {"checkpoint": {"size": earlier_size,
                                                   "root": b64(earlier_root)},
                                    "sha256": "0" * 64, "size": 1234}
            leaves.append(canonical(event))
        return leaves

    def content_files(self, redacted=False):
        """Every file but manifest.xml, its signature and SHA256SUMS."""
        files = {}
        cp = self.checkpoint
        files["audit/checkpoint"] = cp
        files["audit/events.jsonl"] = b"".join(self.leaves[s] + b"\n" for s in self.exported)
        for seq in self.exported:
            proof = "".join(b64(h) + "\n" for h in self.tree.inclusion(seq, self.size))
            files["audit/%d.tlog-proof" % seq] = (
                ("c2sp.org/tlog-proof@v1\nindex %d\n%s\n" % (seq, proof)).encode() + cp)
        if self.earlier_size is not None and 7 in self.exported:
            s = self.earlier_size
            files["audit/checkpoints/%d" % s] = self.make_checkpoint(s)
            files["audit/consistency/%d-%d" % (s, self.size)] = "".join(
                b64(h) + "\n" for h in self.tree.consistency(s, self.size)).encode()
        if self.timestamp:
            files["audit/checkpoint.tsr"], files["keys/tsa-ca.pem"] = self.timestamp
        files["keys/log-key.pem"] = self.log_key.pem
        files["keys/log-key.vkey"] = (self.log_key.vkey(LOG_NAME) + "\n").encode()
        files["policy/%s.xml" % self.policy_hash] = self.policy
        files.update(self._record_files(redacted))
        files.update(self._agreement_files())
        files["people/u-1.json"] = canonical({
            "id": "u-1", "username": "sales.wang", "display_name": "王磊",
            "department": "sales", "roles": ["sales"], "employment": "former",
            "notice_date": "2026-11-01", "last_working_day": "2026-11-30",
            "disabled": True, "alerts": []})
        files["evidence/request.json"] = canonical({
            "case": "(2026)沪0115民初1234号", "purpose": "self-test",
            "scope": {"people": ["u-1"], "records": ["c-1"]},
            "options": {"redact": redacted}, "requester": "u-9",
            "approvals": [{"by": "u-8"}], "hold": True, "exports": []})
        files["report.html"] = ("<html><body><h1>Evidence report 证据报告</h1></body></html>\n"
                                .encode())
        files["VERIFY.md"] = b"# How to verify\n\npython3 verify.py bundle.zip --key log-key.pem\n"
        with open(VERIFIER, "rb") as f:
            files["verify.py"] = f.read()
        return files

    def _record_files(self, redacted):
        files = {}
        files["records/c-1/meta.json"] = canonical({
            "meta": {"id": "c-1", "title": "Customer list"},
            "versions": [{"version": 1, "author": "u-1", "time": "2026-09-01T00:00:00.000Z",
                          "reason": "create", "classification": "secret"},
                         {"version": 2, "author": "u-1", "time": "2026-10-01T00:00:00.000Z",
                          "reason": "update", "classification": "secret"}],
            "ownership": [],
            "attachments": [{"id": "att-1", "filename": "pricing.xlsx",
                             "media_type": "application/octet-stream",
                             "size": len(ATTACHMENT), "sha256": sha256_hex(ATTACHMENT),
                             "included": not redacted}]})
        if not redacted:
            files["records/c-1/attachments/att-1"] = ATTACHMENT
        contents = {
            1: {"customer": "Acme Trading", "address": "上海市浦东新区 1 号",
                "contacts": [{"name": "Zhang", "phone": "+86 21 5555 0101"}]},
            2: {"customer": "Acme Trading Ltd", "address": "上海市浦东新区 2 号",
                "contacts": [{"name": "Zhang", "phone": "+86 21 5555 0101"},
                             {"name": "Li", "phone": "+86 21 5555 0102"}],
                "notes": {"margin": "12%", "empty": {}}},
        }
        for n, content in contents.items():
            leaves = flatten(content)
            salts = {p: hashlib.sha256(b"selftest-case|c-1|%d|%s" % (n, p.encode())).digest()
                     for p in leaves}
            commitments = {p: sha256_hex(salts[p] + leaves[p].encode()) for p in leaves}
            base = "records/c-1/v%d" % n
            files[base + ".commitments.json"] = canonical({
                "fields": commitments, "format": "custos-evidence/1 commitments",
                "record": "c-1", "version": n})
            files[base + ".html"] = ("<html><body><p>SECRET 机密</p><p>%s</p></body></html>\n"
                                     % ("[redacted]" if redacted else content["customer"])).encode()
            if not redacted:
                files[base + ".json"] = canonical({
                    "content": content, "record": "c-1", "version": n,
                    "classification": "secret"})
                files[base + ".salts.json"] = canonical({
                    "format": "custos-evidence/1 salts", "record": "c-1",
                    "salts": {p: b64(s) for p, s in salts.items()}, "version": n})
        return files

    def _agreement_files(self):
        files = {}
        document = ("<html><body><h1>保密协议 NDA</h1><p>The employee keeps secrets.</p>"
                    "</body></html>\n").encode()
        base = "agreements/a-1/"
        files[base + "document.html"] = document
        statement = canonical({"agreement_id": "a-1", "document_sha256": sha256_hex(document),
                               "signer": "u-1", "step": 0, "signed_at": "2026-01-05T10:00:00Z"})
        signature = self.signer_key.sign(statement)
        files[base + "agreement.json"] = canonical({
            "id": "a-1", "kind": "nda", "steps": [{"index": 0, "signer": "u-1"}]})
        files[base + "signatures/0.json"] = canonical({
            "statement": statement.decode(), "signature": b64(signature),
            "public_key": b64(self.signer_key.raw), "step": 0, "signer": "u-1"})
        files[base + "signatures/0.statement"] = statement
        files[base + "signatures/0.sig"] = signature
        files[base + "signatures/0.pem"] = self.signer_key.pem
        files[base + "certificate.json"] = canonical({"agreement": "a-1", "steps": [{"ok": True}]})
        return files

    def finish(self, content, redacted=False, key=None):
        """Adds manifest.xml (signed by key, default the log key) and SHA256SUMS."""
        files = {p: v for p, v in content.items() if p not in UNSIGNED}
        files["manifest.xml"] = make_manifest(files, self.size, b64(self.tree.root(self.size)),
                                              redacted)
        files["manifest.xml.sig"] = (key or self.log_key).sign(files["manifest.xml"])
        files["SHA256SUMS"] = make_sums(files)
        return files


def make_timestamp(workdir, data):
    """An RFC 3161 reply over data from a throwaway CA and TSA, or None."""
    d = os.path.abspath(os.path.join(workdir, "tsa"))
    os.mkdir(d)
    cnf = os.path.join(d, "openssl.cnf")
    with open(cnf, "w") as f:
        f.write("[req]\ndistinguished_name = dn\n[dn]\n"
                "[ca_ext]\nbasicConstraints = critical,CA:TRUE\n"
                "keyUsage = critical,keyCertSign,cRLSign\n"
                "subjectKeyIdentifier = hash\n"
                "[tsa_ext]\nbasicConstraints = critical,CA:FALSE\n"
                "keyUsage = critical,digitalSignature\n"
                "extendedKeyUsage = critical,timeStamping\n"
                "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
                "[tsa]\ndefault_tsa = tsa1\n"
                "[tsa1]\nserial = %s/serial\nsigner_digest = sha256\n"
                "default_policy = 1.3.6.1.4.1.99999.1\ndigests = sha256\n"
                "accuracy = secs:1\ness_cert_id_alg = sha256\n" % d)
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("01\n")
    with open(os.path.join(d, "data"), "wb") as f:
        f.write(data)
    try:
        ec = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
        openssl("genpkey", *ec, "-out", "ca.key", cwd=d)
        openssl("genpkey", *ec, "-out", "tsa.key", cwd=d)
        openssl("req", "-config", cnf, "-new", "-x509", "-key", "ca.key", "-subj",
                "/CN=Self-test TSA CA", "-days", "30", "-extensions", "ca_ext",
                "-out", "ca.pem", cwd=d)
        openssl("req", "-config", cnf, "-new", "-key", "tsa.key", "-subj", "/CN=Self-test TSA",
                "-out", "tsa.csr", cwd=d)
        openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "30", "-extfile", cnf, "-extensions", "tsa_ext",
                "-out", "tsa.pem", cwd=d)
        openssl("ts", "-query", "-data", "data", "-sha256", "-cert", "-out", "req.tsq", cwd=d)
        openssl("ts", "-reply", "-config", cnf, "-queryfile", "req.tsq", "-inkey", "tsa.key",
                "-signer", "tsa.pem", "-out", "reply.tsr", cwd=d)
        openssl("ts", "-verify", "-data", "data", "-in", "reply.tsr", "-CAfile", "ca.pem", cwd=d)
        # a second, unrelated CA for the "wrong TSA CA" case
        openssl("genpkey", *ec, "-out", "other.key", cwd=d)
        openssl("req", "-config", cnf, "-new", "-x509", "-key", "other.key", "-subj",
                "/CN=Other CA", "-days", "30", "-extensions", "ca_ext", "-out", "other.pem", cwd=d)
    except RuntimeError as e:
        print("note: no timestamp case, openssl could not make one: %s" % e)
        return None
    with open(os.path.join(d, "reply.tsr"), "rb") as f:
        tsr = f.read()
    with open(os.path.join(d, "ca.pem"), "rb") as f:
        ca = f.read()
    return tsr, ca


def other_ca(workdir):
    with open(os.path.join(workdir, "tsa", "other.pem"), "rb") as f:
        return f.read()


def write_zip(path, files, extra_entries=()):
    """Writes the bundle; extra_entries are raw (name, bytes) pairs added as is."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are deliberate in one case
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name in sorted(files):
                z.writestr(name, files[name])
            for name, data in extra_entries:
                z.writestr(name, data)


# ---- running the verifier ----------------------------------------------------


class Runner:
    """Runs verify_evidence.py on bundles and tallies expected results.

    Cases that check a verdict call the verifier's main() in this process
    (--json, output captured), which keeps the whole test to a few seconds;
    the command-line cases (exit statuses, text output, usage errors) run it
    as its own process, as a court's expert would."""

    def __init__(self, workdir, verbose):
        self.workdir = workdir
        self.verbose = verbose
        self.tmp = os.path.join(workdir, "verifier-tmp")
        os.mkdir(self.tmp, 0o700)
        self.count = 0
        self.failures = []
        self.runs = 0

    def run(self, argv):
        """Runs verify_evidence.py as a process; (exit status, stdout, stderr)."""
        self.runs += 1
        env = dict(os.environ, TMPDIR=self.tmp)
        r = subprocess.run([sys.executable, VERIFIER] + list(argv),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    def run_in_process(self, argv):
        """verify_evidence.main(argv) with its output captured; (status, stdout, stderr)."""
        self.runs += 1
        out, err = io.StringIO(), io.StringIO()
        saved, tempfile.tempdir = tempfile.tempdir, self.tmp
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = verify_evidence.main(list(argv))
        finally:
            tempfile.tempdir = saved
        return code, out.getvalue(), err.getvalue()

    def bundle_path(self, files, extra_entries=()):
        self.count += 1
        path = os.path.join(self.workdir, "bundle%d.zip" % self.count)
        write_zip(path, files, extra_entries)
        return path

    def verify(self, files, args=(), extra_entries=()):
        """Writes the bundle and verifies it --json; (exit status, result, output)."""
        path = self.bundle_path(files, extra_entries)
        try:
            code, out, err = self.run_in_process([path] + list(args) + ["--json"])
        finally:
            os.unlink(path)
        result = json.loads(out) if code in (0, 1) else None
        return code, result, out + err

    def expect_pass(self, label, files, args=(), key_source=None):
        """Exit 0; with key_source, the JSON names that source of the key."""
        code, result, out = self.verify(files, args)
        ok = code == 0 and result["ok"]
        if key_source is not None:
            ok = ok and result.get("key_source") == key_source
        self.record(label, ok, "exit %d: %s" % (code, out.strip()[-400:]))

    def expect_fail(self, label, files, check, file, args=(), extra_entries=()):
        """Exit 1, failing at check number `check`, naming `file`."""
        code, result, out = self.verify(files, args, extra_entries)
        failure = (result or {}).get("failure") or {}
        ok = code == 1 and failure.get("check") == check and file in failure.get("files", [])
        detail = "exit %d, expected check %d naming %s, got %s" % (
            code, check, file, json.dumps(failure, ensure_ascii=False) if failure else out[-400:])
        note = None
        if failure:
            note = "check %d %s: %s %s" % (failure["check"], failure["name"],
                                           failure["files"], failure["reason"])
        self.record(label, ok, detail, note)

    def expect_exit(self, label, argv, code_wanted, texts=()):
        """As a process: exit status code_wanted, and every text in its output."""
        code, out, err = self.run(argv)
        missing = [t for t in texts if t not in out + err]
        ok = code == code_wanted and not missing
        self.record(label, ok, "exit %d (wanted %d), missing %r: %s" % (
            code, code_wanted, missing, (out + err).strip()[-600:]))

    def record(self, label, ok, detail, note=None):
        if ok:
            if self.verbose:
                print("pass %s" % label)
                if note:
                    print("     -> %s" % note)
        else:
            self.failures.append(label)
            print("FAIL %s: %s" % (label, detail))


# ---- tampering ---------------------------------------------------------------


def flip_char(c):
    """Another character of the same class (keeps hex hex and base64 base64)."""
    if "0" <= c <= "9":
        return str((int(c) + 1) % 10)
    if "a" <= c <= "f":
        return "abcdefa"["abcdef".index(c) + 1]
    if "g" <= c <= "z":
        return chr(ord("g") + (ord(c) - ord("g") + 1) % 20)
    if "A" <= c <= "Z":
        return chr(ord("A") + (ord(c) - ord("A") + 1) % 26)
    if c in "+/":
        return "/" if c == "+" else "+"
    raise ValueError("no flip for %r" % c)


def flip_after(data, marker, occurrence=1):
    """Changes the character right after the n-th occurrence of marker."""
    pos = -1
    for _ in range(occurrence):
        pos = data.index(marker, pos + 1)
    i = pos + len(marker)
    return data[:i] + flip_char(chr(data[i])).encode() + data[i + 1:]


def flip_line(data, line_number):
    """Changes the first character of a (0-based) line."""
    lines = data.split(b"\n")
    lines[line_number] = flip_char(chr(lines[line_number][0])).encode() + lines[line_number][1:]
    return b"\n".join(lines)


def flip_byte(data, offset):
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1:]


def tamper_targets(fx, files):
    """(file, how to change one byte, the check an insider's copy fails, or None).

    None: an insider who re-signs the manifest with the log key can change that
    file undetected (it is bound only by the manifest signature)."""
    proof = "audit/%d.tlog-proof" % fx.exported[1]
    s = fx.earlier_size
    targets = [
        ("audit/events.jsonl", lambda d: flip_after(d, b'"type":"', 2), 7),
        (proof, lambda d: flip_line(d, 2), 7),
        ("audit/checkpoint", lambda d: flip_line(d, 2), 6),
        ("manifest.xml", lambda d: flip_after(d, b'RootHash="'), 6),
        ("records/c-1/v1.json", lambda d: flip_after(d, b'"customer":"'), 11),
        ("records/c-1/v1.commitments.json", lambda d: flip_after(d, b'"content.customer":"'), 11),
        ("records/c-1/v1.salts.json", lambda d: flip_after(d, b'"content.customer":"'), 11),
        ("agreements/a-1/document.html", lambda d: flip_after(d, b"<p>"), 12),
        ("agreements/a-1/signatures/0.statement", lambda d: flip_after(d, b'"signer":"'), 12),
        ("agreements/a-1/signatures/0.sig", lambda d: flip_byte(d, 10), 12),
        ("agreements/a-1/signatures/0.json", lambda d: flip_after(d, b'"signature":"'), 12),
        ("policy/%s.xml" % fx.policy_hash, lambda d: flip_after(d, b'id="'), 10),
        ("audit/checkpoints/%d" % s, lambda d: flip_line(d, 2), 8),
        ("audit/consistency/%d-%d" % (s, fx.size), lambda d: flip_line(d, 0), 8),
        ("keys/log-key.pem", lambda d: flip_line(d, 1), 3),
        ("keys/log-key.vkey", lambda d: flip_after(d, b"+", 2), 3),
        ("people/u-1.json", lambda d: flip_after(d, b'"username":"'), None),
        ("evidence/request.json", lambda d: flip_after(d, b'"purpose":"'), None),
        ("report.html", lambda d: flip_after(d, b"<h1>"), None),
        ("manifest.xml.sig", lambda d: flip_byte(d, 0), None),
        ("SHA256SUMS", lambda d: flip_line(d, 0), None),
    ]
    if "audit/checkpoint.tsr" in files:
        targets.append(("audit/checkpoint.tsr", lambda d: flip_byte(d, len(d) - 2), 9))
    return targets


def run_tamper_cases(run, fx, content, files):
    """Each kind of file changed by one byte, three ways."""
    for name, change, insider_check in tamper_targets(fx, files):
        assert name in files, name
        # 1. SHA256SUMS left as is: the checksum check names the file.
        broken = dict(files)
        broken[name] = change(files[name])
        assert broken[name] != files[name]
        run.expect_fail("tamper %s, SHA256SUMS kept" % name, broken, 2, name)
        if name == "SHA256SUMS":
            continue
        # 2. SHA256SUMS recomputed (an outsider): the manifest (or its signature) names it.
        broken["SHA256SUMS"] = make_sums(broken)
        if name in ("manifest.xml", "manifest.xml.sig"):
            want = 4
        elif name.startswith("keys/log-key."):
            want = 3
        else:
            want = 5
        run.expect_fail("tamper %s, SHA256SUMS recomputed" % name, broken, want, name)
        # 3. manifest re-signed with the log key (an insider): the content checks catch it.
        if insider_check is None or name == "manifest.xml.sig":
            continue
        if name == "manifest.xml":
            broken = dict(files)
            broken["manifest.xml"] = change(files["manifest.xml"])
            broken["manifest.xml.sig"] = fx.log_key.sign(broken["manifest.xml"])
            broken["SHA256SUMS"] = make_sums(broken)
        else:
            changed = dict(content)
            changed[name] = change(content[name])
            broken = fx.finish(changed)
        run.expect_fail("tamper %s, manifest re-signed" % name, broken, insider_check, name)


def run_structure_cases(run, fx, content, files):
    """Archive, layout and cross-reference failures."""
    # Archive: duplicate name, bad paths, directory entry, missing required file.
    run.expect_fail("duplicate name", files, 1, "report.html",
                    extra_entries=[("report.html", b"other")])
    for bad in ("../evil", "a//b", "records/./x", "dir/", "sp ace", "/abs"):
        run.expect_fail("bad name %r" % bad, files, 1, bad, extra_entries=[(bad, b"x")])
    less = dict(content)
    del less["VERIFY.md"]
    run.expect_fail("missing VERIFY.md", fx.finish(less), 1, "VERIFY.md")
    # Checksums: a file not listed in SHA256SUMS.
    extra = dict(files)
    extra["people/u-2.json"] = b"{}"
    run.expect_fail("file not in SHA256SUMS", extra, 2, "people/u-2.json")
    # Manifest: a file not listed in the manifest (outsider recomputes sums).
    extra["SHA256SUMS"] = make_sums(extra)
    run.expect_fail("file not in manifest", extra, 5, "people/u-2.json")
    # Manifest signed by another key.
    run.expect_fail("manifest signed by another key", fx.finish(content, key=fx.signer_key),
                    4, "manifest.xml")
    # Events: a proof without its event (a genuine proof of leaf 1).
    orphan = dict(content)
    proof = "".join(b64(h) + "\n" for h in fx.tree.inclusion(1, fx.size))
    orphan["audit/1.tlog-proof"] = ("c2sp.org/tlog-proof@v1\nindex 1\n%s\n" % proof).encode() \
        + fx.checkpoint
    run.expect_fail("proof without event", fx.finish(orphan), 7, "audit/1.tlog-proof")
    # Events: a missing proof; seqs out of order; seq beyond the checkpoint.
    missing = dict(content)
    del missing["audit/%d.tlog-proof" % fx.exported[0]]
    run.expect_fail("missing proof", fx.finish(missing), 7, "audit/%d.tlog-proof" % fx.exported[0])
    lines = content["audit/events.jsonl"].split(b"\n")
    swapped = dict(content)
    swapped["audit/events.jsonl"] = b"\n".join([lines[1], lines[0]] + lines[2:])
    run.expect_fail("seqs out of order", fx.finish(swapped), 7, "audit/events.jsonl")
    # Earlier checkpoints: a leftover consistency proof; a missing one.
    leftover = dict(content)
    leftover["audit/consistency/3-%d" % fx.size] = "".join(
        b64(h) + "\n" for h in fx.tree.consistency(3, fx.size)).encode()
    run.expect_fail("leftover consistency proof", fx.finish(leftover), 8,
                    "audit/consistency/3-%d" % fx.size)
    nocons = dict(content)
    del nocons["audit/consistency/%d-%d" % (fx.earlier_size, fx.size)]
    run.expect_fail("missing consistency proof", fx.finish(nocons), 8,
                    "audit/consistency/%d-%d" % (fx.earlier_size, fx.size))
    # Policies: an event names a policy the bundle lacks.
    nopolicy = dict(content)
    del nopolicy["policy/%s.xml" % fx.policy_hash]
    run.expect_fail("missing policy", fx.finish(nopolicy), 10, "audit/events.jsonl")
    # Records: a full bundle without salts; content in a redacted bundle.
    nosalts = dict(content)
    del nosalts["records/c-1/v2.salts.json"]
    run.expect_fail("full bundle without salts", fx.finish(nosalts), 11,
                    "records/c-1/v2.salts.json")
    leaky = fx.content_files(redacted=True)
    leaky["records/c-1/v1.json"] = content["records/c-1/v1.json"]
    run.expect_fail("content in a redacted bundle", fx.finish(leaky, redacted=True), 11,
                    "records/c-1/v1.json")
    leaky = fx.content_files(redacted=True)
    leaky["records/c-1/attachments/att-1"] = ATTACHMENT
    run.expect_fail("attachment in a redacted bundle", fx.finish(leaky, redacted=True), 11,
                    "records/c-1/attachments/att-1")
    # Agreements: the document changed and its hash "fixed" in the statement is
    # caught by the signature.
    forged = dict(content)
    doc = content["agreements/a-1/document.html"].replace(b"keeps", b"shares")
    forged["agreements/a-1/document.html"] = doc
    stmt = json.loads(content["agreements/a-1/signatures/0.statement"])
    stmt["document_sha256"] = sha256_hex(doc)
    forged["agreements/a-1/signatures/0.statement"] = canonical(stmt)
    rec = json.loads(content["agreements/a-1/signatures/0.json"])
    rec["statement"] = canonical(stmt).decode()
    forged["agreements/a-1/signatures/0.json"] = canonical(rec)
    run.expect_fail("agreement document and statement forged", fx.finish(forged), 12,
                    "agreements/a-1/signatures/0.sig")
    # Timestamp: a CA that did not issue the TSA's certificate.
    if "keys/tsa-ca.pem" in content:
        wrong_ca = dict(content)
        wrong_ca["keys/tsa-ca.pem"] = other_ca(fx.workdir)
        run.expect_fail("timestamp with another CA", fx.finish(wrong_ca), 9, "keys/tsa-ca.pem")


def run_key_and_usage_cases(run, fx, files):
    """--key, human-readable output and exit statuses."""
    d = fx.workdir
    good_pem = os.path.join(d, "trusted.pem")
    good_vkey = os.path.join(d, "trusted.vkey")
    wrong_pem = os.path.join(d, "wrong.pem")
    wrong_vkey = os.path.join(d, "wrong.vkey")
    wrong_name = os.path.join(d, "wrong-name.vkey")
    for path, data in ((good_pem, fx.log_key.pem), (good_vkey, fx.log_key.vkey(LOG_NAME) + "\n"),
                       (wrong_pem, fx.signer_key.pem), (wrong_vkey, fx.signer_key.vkey(LOG_NAME)),
                       (wrong_name, fx.log_key.vkey("custos.example/other"))):
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
    run.expect_pass("--key PEM", files, ["--key", good_pem], key_source="trusted")
    run.expect_pass("--key vkey", files, ["--key", good_vkey], key_source="trusted")
    run.expect_fail("wrong --key PEM", files, 3, "keys/log-key.pem", ["--key", wrong_pem])
    run.expect_fail("wrong --key vkey", files, 3, "keys/log-key.pem", ["--key", wrong_vkey])
    run.expect_fail("--key with another name", files, 3, "keys/log-key.vkey",
                    ["--key", wrong_name])
    # Human-readable output: one line per check, the key's origin said clearly.
    good = run.bundle_path(files)
    run.expect_exit("text output, no --key", [good], 0,
                    ["ok  archive:", "ok  checksums:", "ok  agreements:",
                     "TAKEN FROM THE BUNDLE ITSELF", "NOTE: no --key", "PASS"])
    broken = dict(files)
    broken["people/u-1.json"] = b"{}"
    run.expect_exit("text output names the file", [run.bundle_path(broken)], 1,
                    ["FAIL  checksums: people/u-1.json"])
    # A ZIP entry whose bytes do not match its CRC-32 does not read.
    corrupt = os.path.join(d, "corrupt.zip")
    with zipfile.ZipFile(corrupt, "w", zipfile.ZIP_STORED) as z:
        for name in sorted(files):
            z.writestr(name, files[name])
    with open(corrupt, "rb") as f:
        raw = f.read()
    at = raw.index(files["report.html"])
    with open(corrupt, "wb") as f:
        f.write(flip_byte(raw, at + 10))
    run.expect_exit("corrupt ZIP entry", [corrupt], 1, ["FAIL  archive: report.html"])
    # Usage errors and unreadable input.
    run.expect_exit("no arguments", [], 2, ["usage"])
    run.expect_exit("missing bundle", [os.path.join(d, "no-such.zip")], 2, ["not a readable file"])
    notzip = os.path.join(d, "not-a-zip.zip")
    with open(notzip, "wb") as f:
        f.write(b"this is not a zip file\n")
    run.expect_exit("not a ZIP", [notzip], 1, ["FAIL  archive"])
    run.expect_exit("--key unreadable", [good, "--key", os.path.join(d, "nope.pem")], 2, ["--key"])
    run.expect_exit("--key not a key", [good, "--key", notzip], 2, ["--key"])
    run.expect_exit("unknown option", [good, "--frobnicate"], 2, ["usage"])


def run_merkle_cross_check(run):
    """The verifier's RFC 9162 proof checks against this file's RFC 6962 proofs."""
    leaves = [b"leaf %d" % i for i in range(33)]
    tree = MerkleTree(leaves)
    V = verify_evidence
    bad = 0
    for n in range(1, 34):
        root = tree.root(n)
        for m in range(n):
            path = tree.inclusion(m, n)
            V.verify_inclusion(m, n, V.leaf_hash(leaves[m]), path, root)
            for wrong in (m + 1,):
                if wrong < n:
                    try:
                        V.verify_inclusion(wrong, n, V.leaf_hash(leaves[m]), path, root)
                        bad += 1
                    except V.Invalid:
                        pass
            if m >= 1:
                proof = tree.consistency(m, n)
                V.verify_consistency(m, n, tree.root(m), root, proof)
                for broken in (proof[:-1], proof + [root], [root] + proof[1:]):
                    try:
                        V.verify_consistency(m, n, tree.root(m), root, broken)
                        bad += 1
                    except V.Invalid:
                        pass
    run.record("Merkle cross-check (sizes 1..33, all inclusion and consistency proofs)",
               bad == 0, "%d wrong proofs accepted" % bad)


def bench(n):
    """Builds an n-event bundle and times the verifier on it."""
    with tempfile.TemporaryDirectory(prefix="custos-selftest-") as d:
        t0 = time.time()
        fx = Fixture(d, events_total=n + 3, exported=list(range(n)), with_timestamp=False)
        files = fx.finish(fx.content_files())
        path = os.path.join(d, "bench.zip")
        write_zip(path, files)
        t1 = time.time()
        r = subprocess.run([sys.executable, VERIFIER, path], stdout=subprocess.PIPE)
        t2 = time.time()
        print(r.stdout.decode().strip())
        print("bench: %d events, bundle %d bytes, built in %.1fs, verified in %.2fs (exit %d)"
              % (n, os.path.getsize(path), t1 - t0, t2 - t1, r.returncode))
        return 0 if r.returncode == 0 else 1


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", type=int, metavar="N", help="time the verifier on N events")
    ap.add_argument("--keep", metavar="DIR", help="write the good bundles into DIR")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if args.bench:
        return bench(args.bench)
    start = time.time()
    workdir = tempfile.mkdtemp(prefix="custos-selftest-")
    try:
        fx = Fixture(workdir)
        run = Runner(workdir, args.verbose)
        content = fx.content_files()
        files = fx.finish(content)
        redacted = fx.finish(fx.content_files(redacted=True), redacted=True)
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            write_zip(os.path.join(args.keep, "full.zip"), files)
            write_zip(os.path.join(args.keep, "redacted.zip"), redacted)
            with open(os.path.join(args.keep, "log-key.pem"), "wb") as f:
                f.write(fx.log_key.pem)
        run.expect_pass("complete bundle%s" % (" with timestamp" if fx.timestamp else ""), files,
                        key_source="bundle")
        run.expect_pass("redacted bundle", redacted)
        no_ts = fx.finish({p: v for p, v in content.items()
                           if p not in ("audit/checkpoint.tsr", "keys/tsa-ca.pem")})
        run.expect_pass("bundle without timestamp", no_ts)
        run_merkle_cross_check(run)
        run_tamper_cases(run, fx, content, files)
        run_structure_cases(run, fx, content, files)
        run_key_and_usage_cases(run, fx, files)
        leftovers = os.listdir(run.tmp)
        run.record("verifier removed its temporary files", not leftovers, str(leftovers))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    total = run.runs
    print("verify_evidence self-test: %d verifier runs, %d unexpected result(s), "
          "timestamp case %s, %.1fs" % (total, len(run.failures),
                                       "run" if fx.timestamp else "SKIPPED",
                                       time.time() - start))
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
