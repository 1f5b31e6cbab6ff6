#!/usr/bin/env python3
"""Independent verifier of Custos evidence bundles (custos-evidence/1).

Written from the written specification only, not from the Custos sources:
  - ARCHITECTURE.md, sections "The audit log" and "The evidence bundle"
  - docs/evidence.md (the bundle format and "What a verifier checks")
and the public specifications they cite:
  - c2sp.org/signed-note, c2sp.org/tlog-checkpoint, c2sp.org/tlog-proof@v1
  - RFC 6962 / RFC 9162 section 2.1 (Merkle tree, inclusion and consistency)
  - RFC 3161 (time-stamp tokens, checked by `openssl ts -verify`)

Python 3 standard library only, plus the `openssl` command (OpenSSL 3) for
Ed25519 signatures and RFC 3161 tokens. Every Custos bundle ships a copy of
this file as `verify.py`.

Usage:
  verify.py BUNDLE.zip [--key FILE] [--json]

FILE is the log key the company published or deposited with the court: a PEM
SubjectPublicKeyInfo Ed25519 public key, or a signed-note verifier key
("name+hex8+base64"). Without --key the key is taken from the bundle itself,
which proves only that the bundle is consistent with its own key.

The checks of docs/evidence.md run in order; each prints one line, and the
first failure names the check and the file, then the verifier stops.

The bundle is read from the ZIP file directly and never extracted. Only the
small files `openssl` must read (a key, a signed message, a signature, a
timestamp token) are written, one call at a time, into a private temporary
directory (mode 0700) that is removed afterwards.

Exit status: 0 the bundle verifies, 1 it does not, 2 usage error (bad
arguments, unreadable file, no openssl).
"""

import argparse
import base64
import binascii
import datetime
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
import zipfile
import zlib

FORMAT = "custos-evidence/1"

MANIFEST = "manifest.xml"
MANIFEST_SIG = "manifest.xml.sig"
SUMS = "SHA256SUMS"
PEM_KEY = "keys/log-key.pem"
VKEY = "keys/log-key.vkey"
TSA_CA = "keys/tsa-ca.pem"
CHECKPOINT = "audit/checkpoint"
TIMESTAMP = "audit/checkpoint.tsr"
EVENTS = "audit/events.jsonl"
REQUEST = "evidence/request.json"

REQUIRED_FILES = (MANIFEST, MANIFEST_SIG, SUMS, PEM_KEY, VKEY, CHECKPOINT,
                  EVENTS, REQUEST, "report.html", "VERIFY.md")
NOT_IN_MANIFEST = (MANIFEST, MANIFEST_SIG, SUMS)

DOC_TYPES = frozenset((
    "AuditEvents", "InclusionProof", "Checkpoint", "ConsistencyProof",
    "TimestampToken", "Key", "Policy", "Person", "RecordMeta", "RecordVersion",
    "RecordRendering", "Commitments", "Salts", "Attachment", "Agreement",
    "AgreementDocument", "AgreementScan", "Signature", "Certificate",
    "NonCompete", "Request", "Report", "Instructions", "Verifier"))

COMMITMENTS_FORMAT = "custos-evidence/1 commitments"
SALTS_FORMAT = "custos-evidence/1 salts"

# Limits that keep memory bounded on hostile input. Real bundles stay far below.
SMALL_FILE_LIMIT = 64 << 20   # any file read whole (JSON, XML, HTML, keys)
# manifest.xml and SHA256SUMS name every file (a path is at most 200 bytes):
# read whole up to SMALL_FILE_LIMIT plus this much per entry of the archive.
INDEX_BYTES_PER_ENTRY = 1 << 10
PROOF_LIMIT = 1 << 20         # a .tlog-proof, a checkpoint, a consistency proof
EVENT_LINE_LIMIT = 1 << 20    # one line of audit/events.jsonl: Custos writes no event larger
CHUNK = 1 << 20               # hashing read size
MAX_NOTE_SIGNATURES = 64

EM_DASH = "\u2014"
ALG_ED25519 = 0x01
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")

PATH_SEGMENT = re.compile(r"[A-Za-z0-9._-]+\Z")
DECIMAL = re.compile(r"(0|[1-9][0-9]*)\Z")
HEX64 = re.compile(r"[0-9a-f]{64}\Z")


# ---- errors ------------------------------------------------------------------


class Invalid(Exception):
    """A parser's complaint about some bytes; the caller knows which file."""


class Failure(Exception):
    """A failed check: the files concerned (the first is the main one)."""

    def __init__(self, files, reason):
        super().__init__(reason)
        self.files = [files] if isinstance(files, str) else list(files)
        self.reason = reason


class UsageError(Exception):
    """Bad arguments, an unreadable file, or no openssl (exit status 2)."""


@contextlib.contextmanager
def about(*files):
    """Turns an Invalid raised inside the block into a Failure naming files."""
    try:
        yield
    except Invalid as e:
        raise Failure(files, str(e)) from None


# ---- small parsers -----------------------------------------------------------


def b64decode_strict(text, what="base64"):
    """Standard base64 (RFC 4648 section 4), padded and canonical."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("%s is not valid base64" % what) from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise Invalid("%s is not canonical base64" % what)
    return raw


def parse_decimal(text):
    """An ASCII decimal without leading zeros, or None."""
    if isinstance(text, str) and DECIMAL.match(text):
        return int(text)
    return None


def is_bundle_path(name):
    """A plain relative path of [A-Za-z0-9._-] segments, no "." or ".."."""
    segments = name.split("/")
    return all(PATH_SEGMENT.match(s) and s not in (".", "..") for s in segments)


def is_json_int(value):
    """A JSON integer (Python bool is an int subclass, and not one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def utf8(data, what):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("%s is not UTF-8" % what) from None


def _no_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise Invalid("duplicate JSON key %r" % key)
        obj[key] = value
    return obj


def _no_constants(name):
    raise Invalid("%s is not JSON" % name)


def parse_json(data, what="file"):
    """Strict JSON from UTF-8 bytes: no duplicate keys, no NaN/Infinity."""
    text = utf8(data, what)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys,
                          parse_constant=_no_constants)
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        raise Invalid("%s is not valid JSON (%s)" % (what, e)) from None


def parse_json_object(data, what="file"):
    obj = parse_json(data, what)
    if not isinstance(obj, dict):
        raise Invalid("%s is not a JSON object" % what)
    return obj


def decode_fixed(value, length, what):
    """Bytes of a fixed length given as base64 or as lower-case hex."""
    if not isinstance(value, str):
        raise Invalid("%s is not a string" % what)
    if len(value) == 2 * length and re.match(r"[0-9a-f]+\Z", value):
        return bytes.fromhex(value)
    raw = b64decode_strict(value, what)
    if len(raw) != length:
        raise Invalid("%s is not %d bytes" % (what, length))
    return raw


# ---- Ed25519 keys ------------------------------------------------------------


class LogKey:
    """An Ed25519 public key with its signed-note name (may be None)."""

    def __init__(self, name, raw):
        self.name = name
        self.raw = raw

    @property
    def key_id(self):
        """c2sp.org/signed-note: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
        return note_key_id(self.name, self.raw)

    @property
    def vkey(self):
        return "%s+%s+%s" % (self.name, self.key_id.hex(),
                             base64.b64encode(bytes([ALG_ED25519]) + self.raw).decode())


def note_key_id(name, raw):
    data = name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + raw
    return hashlib.sha256(data).digest()[:4]


def spki_pem(raw):
    """The SubjectPublicKeyInfo PEM of a raw 32-byte Ed25519 key."""
    der = base64.b64encode(ED25519_SPKI_PREFIX + raw).decode()
    return ("-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % der).encode()


def parse_pem_public_key(text):
    """Exactly one PEM "PUBLIC KEY" block holding an Ed25519 SPKI; raw key."""
    lines = [l.rstrip("\r") for l in text.strip().split("\n")]
    if (len(lines) < 3 or lines[0] != "-----BEGIN PUBLIC KEY-----"
            or lines[-1] != "-----END PUBLIC KEY-----"):
        raise Invalid("not a single PEM PUBLIC KEY block")
    body = "".join(l.strip() for l in lines[1:-1])
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("PEM body is not base64") from None
    if len(der) != len(ED25519_SPKI_PREFIX) + 32 or not der.startswith(ED25519_SPKI_PREFIX):
        raise Invalid("not an Ed25519 SubjectPublicKeyInfo")
    return der[len(ED25519_SPKI_PREFIX):]


def valid_key_name(name):
    """c2sp.org/signed-note: non-empty, no Unicode spaces, no "+"."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def parse_vkey(text):
    """A signed-note verifier key "name+hex8+base64(0x01 || key)"."""
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise Invalid("not a verifier key name+hex8+base64")
    name, hexid, b64 = parts
    if not valid_key_name(name) or not re.match(r"[0-9a-fA-F]{8}\Z", hexid):
        raise Invalid("not a verifier key name+hex8+base64")
    key = b64decode_strict(b64, "verifier key")
    if len(key) != 33 or key[0] != ALG_ED25519:
        raise Invalid("verifier key is not an Ed25519 (type 0x01) key")
    parsed = LogKey(name, key[1:])
    if parsed.key_id.hex() != hexid.lower():
        raise Invalid("verifier key ID %s is wrong (the key's ID is %s)"
                      % (hexid, parsed.key_id.hex()))
    return parsed


def one_line(text, what):
    """The content of a one-line file: a single trailing newline is allowed."""
    if text.endswith("\n"):
        text = text[:-1]
    if "\n" in text or "\r" in text or not text:
        raise Invalid("%s is not one line" % what)
    return text


def load_trusted_key(path):
    """--key FILE: a PEM public key or a verifier key (name and key)."""
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 16)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError("--key %s: cannot read: %s" % (path, e)) from None
    try:
        if "-----BEGIN" in text:
            return LogKey(None, parse_pem_public_key(text))
        return parse_vkey(one_line(text, "the key file"))
    except Invalid as e:
        raise UsageError("--key %s: %s" % (path, e)) from None


# ---- openssl -----------------------------------------------------------------


class OpenSSL:
    """Runs openssl on files in a private temporary directory (mode 0700).

    Each call writes only the files openssl must read, runs it, and removes
    them; the directory itself is removed when the context ends."""

    def __init__(self):
        self.dir = None
        self.counter = 0

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="custos-verify-")
        os.chmod(self.dir, 0o700)
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)

    @contextlib.contextmanager
    def files(self, *contents):
        """Writes each bytes value to a new private file; yields their paths."""
        paths = []
        try:
            for data in contents:
                self.counter += 1
                path = os.path.join(self.dir, "f%d" % self.counter)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                paths.append(path)
            yield paths
        finally:
            for path in paths:
                with contextlib.suppress(OSError):
                    os.unlink(path)

    @staticmethod
    def run(args):
        try:
            return subprocess.run(["openssl"] + args, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as e:
            raise UsageError("cannot run openssl: %s" % e) from None

    def ed25519_verify(self, raw_key, message, signature):
        """`openssl pkeyutl -verify -pubin -inkey PEM -rawin -in MSG -sigfile SIG`."""
        if len(signature) != 64:
            return False
        with self.files(spki_pem(raw_key), message, signature) as (pem, msg, sig):
            r = self.run(["pkeyutl", "-verify", "-pubin", "-inkey", pem,
                          "-rawin", "-in", msg, "-sigfile", sig])
        return r.returncode == 0

    def ts_verify(self, data, token, ca, attime=None):
        """`openssl ts -verify -data DATA -in TSR -CAfile CA [-attime T]`; (ok, message).

        With `attime` (Unix seconds) the TSA's certificate chain is checked as
        it stood then: a token stays verifiable after the TSA's certificate
        expires, at the time the token itself states.
        """
        args = ["ts", "-verify"]
        if attime is not None:
            args += ["-attime", str(attime)]
        with self.files(data, token, ca) as (d, t, c):
            r = self.run(args + ["-data", d, "-in", t, "-CAfile", c])
        out = (r.stdout + r.stderr).decode("utf-8", "replace")
        return r.returncode == 0, out.strip().splitlines()[-1] if out.strip() else ""

    def ts_time(self, token):
        """The token's "Time stamp:" line (its genTime), or None."""
        with self.files(token) as (t,):
            r = self.run(["ts", "-reply", "-in", t, "-text"])
        for line in r.stdout.decode("utf-8", "replace").splitlines():
            if line.startswith("Time stamp:"):
                return line[len("Time stamp:"):].strip()
        return None


def gen_time_seconds(text):
    """Unix seconds of `openssl ts -reply -text`'s "Time stamp:" value
    ("Dec  2 07:31:56 2026 GMT", maybe with fractional seconds), or None."""
    if not text:
        return None
    parts = text.split()
    if len(parts) != 5 or parts[4] != "GMT":
        return None
    clock = parts[2].split(".")[0]
    try:
        stamp = datetime.datetime.strptime(
            "%s %s %s %s" % (parts[0], parts[1], clock, parts[3]), "%b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return int(stamp.replace(tzinfo=datetime.timezone.utc).timestamp())


# ---- signed notes and checkpoints (c2sp.org) ---------------------------------


def open_note(note, key, ed25519_verify):
    """Checks a signed note's signature by key; returns the note text.

    Signatures by other keys (witnesses) are ignored, as c2sp.org/signed-note
    requires; one by our key name and ID must verify."""
    text = utf8(note, "the note")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise Invalid("the note holds a control character")
    split = note.rfind(b"\n\n")
    if split < 0:
        raise Invalid("the note has no signature block")
    body, block = note[:split + 1], note[split + 2:]
    if not block.endswith(b"\n"):
        raise Invalid("the note's signature block does not end in a newline")
    lines = block[:-1].decode("utf-8").split("\n")
    if len(lines) > MAX_NOTE_SIGNATURES:
        raise Invalid("the note has too many signatures")
    found = False
    for line in lines:
        if not line.startswith(EM_DASH + " "):
            raise Invalid("malformed signature line in the note")
        fields = line[2:].split(" ")
        if len(fields) != 2 or not fields[0]:
            raise Invalid("malformed signature line in the note")
        sig = b64decode_strict(fields[1], "a note signature")
        if len(sig) < 5:
            raise Invalid("a note signature is too short")
        if fields[0] != key.name or sig[:4] != key.key_id:
            continue
        if len(sig) != 4 + 64 or not ed25519_verify(key.raw, body, sig[4:]):
            raise Invalid("the signature by %s does not verify" % key.name)
        found = True
    if not found:
        raise Invalid("no signature by the log key %s+%s" % (key.name, key.key_id.hex()))
    return body


class Checkpoint:
    """c2sp.org/tlog-checkpoint note text: origin, size, root (+ extensions)."""

    def __init__(self, text):
        if not text.endswith(b"\n"):
            raise Invalid("the checkpoint text does not end in a newline")
        lines = text[:-1].decode("utf-8").split("\n")
        if len(lines) < 3 or any(not l for l in lines):
            raise Invalid("the checkpoint is not origin, size and root lines")
        self.origin = lines[0]
        self.size = parse_decimal(lines[1])
        if self.size is None:
            raise Invalid("the checkpoint's tree size %r is not a decimal" % lines[1])
        self.root_b64 = lines[2]
        self.root = b64decode_strict(lines[2], "the checkpoint's root hash")
        if len(self.root) != 32:
            raise Invalid("the checkpoint's root hash is not 32 bytes")


def verified_checkpoint(note, key, ed25519_verify):
    """Signature by key, then origin = key name; returns the Checkpoint."""
    cp = Checkpoint(open_note(note, key, ed25519_verify))
    if cp.origin != key.name:
        raise Invalid("the checkpoint's origin %r is not the log key's name %r"
                      % (cp.origin, key.name))
    return cp


# ---- Merkle tree (RFC 6962 section 2.1, RFC 9162 section 2.1) ----------------


def leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf_index, tree_size, hash_, inclusion_path, root_hash):
    """RFC 9162 section 2.1.3.2, step by step; raises Invalid on failure."""
    # 1. leaf_index must be below tree_size.
    if leaf_index >= tree_size:
        raise Invalid("index %d is not below the tree size %d" % (leaf_index, tree_size))
    # 2. fn = leaf_index, sn = tree_size - 1.  3. r = hash.
    fn, sn, r = leaf_index, tree_size - 1, hash_
    # 4. For each value p in the inclusion_path array:
    for p in inclusion_path:
        # a. If sn is 0, stop and fail.
        if sn == 0:
            raise Invalid("the inclusion proof is too long")
        # b. If LSB(fn) is set, or fn equals sn:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # if LSB(fn) is not set, right-shift fn and sn until it is, or fn is 0
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        # c. right-shift fn and sn once.
        fn >>= 1
        sn >>= 1
    # 5. sn must be 0 and r the root.
    if sn != 0:
        raise Invalid("the inclusion proof is too short")
    if r != root_hash:
        raise Invalid("the inclusion proof does not lead to the checkpoint's root")


def verify_consistency(first, second, first_hash, second_hash, consistency_path):
    """RFC 9162 section 2.1.4.2, step by step, for first < second.

    The trivial case first == 0 (the empty tree, consistent with every tree)
    needs an empty proof and the empty tree's root, SHA-256 of nothing."""
    if not first < second:
        raise Invalid("the old size %d is not below the new size %d" % (first, second))
    if first == 0:
        if consistency_path or first_hash != hashlib.sha256(b"").digest():
            raise Invalid("a proof from the empty tree must be empty")
        return
    # 1. An empty consistency_path fails.
    if not consistency_path:
        raise Invalid("the consistency proof is empty")
    path = list(consistency_path)
    # 2. If first is an exact power of 2, prepend first_hash.
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = first - 1, second - 1
    # 4. While LSB(fn) is set, right-shift fn and sn.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. fr = sr = the first value of the path.
    fr = sr = path[0]
    # 6. For each subsequent value c:
    for c in path[1:]:
        # a. If sn is 0, stop and fail.
        if sn == 0:
            raise Invalid("the consistency proof is too long")
        # b. If LSB(fn) is set, or fn equals sn:
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        # c. right-shift fn and sn once.
        fn >>= 1
        sn >>= 1
    # 7. fr must be first_hash, sr second_hash, sn 0.
    if sn != 0:
        raise Invalid("the consistency proof is too short")
    if fr != first_hash:
        raise Invalid("the consistency proof does not lead to the earlier root")
    if sr != second_hash:
        raise Invalid("the consistency proof does not lead to the checkpoint's root")


def parse_tlog_proof(data):
    """c2sp.org/tlog-proof@v1: (index, hashes, checkpoint note bytes)."""
    pos = 0

    def next_line():
        nonlocal pos
        end = data.find(b"\n", pos)
        if end < 0:
            raise Invalid("the proof is truncated")
        line = data[pos:end].decode("utf-8", "replace")
        pos = end + 1
        return line

    if next_line() != "c2sp.org/tlog-proof@v1":
        raise Invalid("not a c2sp.org/tlog-proof@v1")
    line = next_line()
    if line.startswith("extra "):
        b64decode_strict(line[len("extra "):], "the proof's extra data")
        line = next_line()
    if not line.startswith("index "):
        raise Invalid("the proof has no index line")
    index = parse_decimal(line[len("index "):])
    if index is None:
        raise Invalid("the proof's index is not a decimal")
    hashes = []
    while True:
        line = next_line()
        if line == "":
            break
        h = b64decode_strict(line, "a proof hash")
        if len(h) != 32:
            raise Invalid("a proof hash is not 32 bytes")
        hashes.append(h)
        if len(hashes) > 64:
            raise Invalid("the proof has more than 64 hashes")
    return index, hashes, data[pos:]


def parse_hash_lines(data):
    """A consistency proof: one base64 SHA-256 hash per line."""
    text = utf8(data, "the consistency proof")
    if text.endswith("\n"):
        text = text[:-1]
    if not text:
        return []
    hashes = []
    for line in text.split("\n"):
        h = b64decode_strict(line, "a consistency proof line")
        if len(h) != 32:
            raise Invalid("a consistency proof hash is not 32 bytes")
        hashes.append(h)
    if len(hashes) > 128:
        raise Invalid("the consistency proof has more than 128 hashes")
    return hashes


# ---- the archive -------------------------------------------------------------


class Bundle:
    """The ZIP archive, read in place; entry digests after check 1."""

    def __init__(self, path):
        self.path = path
        self.file = None
        self.zip = None
        self.infos = {}
        self.digests = {}   # name -> (size, lower-case hex SHA-256)

    def close(self):
        if self.zip is not None:
            self.zip.close()
        if self.file is not None:
            self.file.close()

    @property
    def names(self):
        return sorted(self.infos)

    def has(self, name):
        return name in self.infos

    def under(self, prefix):
        """Names that start with prefix, sorted."""
        return [n for n in sorted(self.infos) if n.startswith(prefix)]

    def read(self, name, limit=SMALL_FILE_LIMIT):
        """A whole (small) entry; refuses entries above limit."""
        info = self.infos.get(name)
        if info is None:
            raise Failure(name, "missing")
        if info.file_size > limit:
            raise Failure(name, "too large to read whole (%d bytes)" % info.file_size)
        return self.zip.read(info)

    def read_index(self, name):
        """manifest.xml or SHA256SUMS, whose size grows with the archive's."""
        return self.read(name, SMALL_FILE_LIMIT + INDEX_BYTES_PER_ENTRY * len(self.zip.infolist()))

    def open(self, name):
        return self.zip.open(self.infos[name])

    def sha256(self, name):
        return self.digests[name][1]


# ---- output ------------------------------------------------------------------


class Report:
    """One line per check on stdout, or one JSON document with --json."""

    def __init__(self, as_json):
        self.as_json = as_json
        self.checks = []
        self.notes = []
        self.failure = None

    def ok(self, number, title, detail):
        self.checks.append({"check": number, "name": title, "ok": True, "detail": detail})
        if not self.as_json:
            print("ok  %s: %s" % (title, detail))
            sys.stdout.flush()

    def note(self, text):
        self.notes.append(text)
        if not self.as_json:
            print("NOTE: %s" % text)

    def fail(self, number, title, failure):
        self.failure = {"check": number, "name": title, "file": failure.files[0],
                        "files": failure.files, "reason": failure.reason}
        self.checks.append({"check": number, "name": title, "ok": False,
                            "detail": failure.reason})
        if not self.as_json:
            also = ""
            if len(failure.files) > 1:
                also = " (with %s)" % ", ".join(failure.files[1:])
            print("FAIL  %s: %s: %s%s" % (title, failure.files[0], failure.reason, also))

    def finish(self, passed, key_source):
        if self.as_json:
            print(json.dumps({"ok": passed, "key_source": key_source,
                              "checks": self.checks, "notes": self.notes,
                              "failure": self.failure},
                             ensure_ascii=False, indent=1))
        elif passed:
            print("PASS: all %d checks passed" % len(self.checks))
        else:
            print("FAILED: the bundle does not verify")


# ---- the checks --------------------------------------------------------------


class Manifest:
    """What the later checks need from manifest.xml."""

    def __init__(self):
        self.files = {}         # path -> (size, hash)
        self.log_name = None
        self.checkpoint_size = None
        self.root_hash = None
        self.redacted = None
        self.case = None
        self.created = None
        self.request_id = None


class Verifier:
    """Runs the checks of docs/evidence.md "What a verifier checks" in order."""

    def __init__(self, bundle, trusted_key, trusted_key_path, openssl, report):
        self.bundle = bundle
        self.trusted_key = trusted_key
        self.trusted_key_path = trusted_key_path
        self.openssl = openssl
        self.report = report
        self.key = None
        self.manifest = None
        self.checkpoint = None
        self.checkpoint_note = None
        self.earlier = []        # (seq, details.checkpoint value) from events
        self.policies = {}       # policy hash -> first seq naming it
        self.hold_event = None   # (seq, details.legal_hold) of the approval placing the hold

    CHECKS = (
        ("archive", "check_archive"),
        ("checksums", "check_checksums"),
        ("key", "check_key"),
        ("manifest signature", "check_manifest_signature"),
        ("manifest", "check_manifest"),
        ("checkpoint", "check_checkpoint"),
        ("events and proofs", "check_events"),
        ("earlier checkpoints", "check_earlier_checkpoints"),
        ("timestamp", "check_timestamp"),
        ("policies", "check_policies"),
        ("records", "check_records"),
        ("agreements", "check_agreements"),
    )

    def run(self):
        """True if every check passes; stops at the first failure."""
        for number, (title, method) in enumerate(self.CHECKS, 1):
            try:
                detail = getattr(self, method)()
            except Failure as failure:
                self.report.fail(number, title, failure)
                return False
            self.report.ok(number, title, detail)
        return True

    # 1. Archive ---------------------------------------------------------------

    def check_archive(self):
        b = self.bundle
        try:
            b.file = open(b.path, "rb")
        except OSError as e:
            raise UsageError("%s: cannot read: %s" % (b.path, e)) from None
        try:
            b.zip = zipfile.ZipFile(b.file)
            infos = b.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as e:
            raise Failure(b.path, "the ZIP does not read: %s" % e) from None
        for info in infos:
            self._check_entry(info)
            b.infos[info.filename] = info
        for name in REQUIRED_FILES:
            if name not in b.infos:
                raise Failure(name, "required file missing")
        total = 0
        for info in infos:
            size, digest = self._hash_entry(info)
            b.digests[info.filename] = (size, digest)
            total += size
        return "%d files, %d bytes, every entry reads" % (len(infos), total)

    def _check_entry(self, info):
        name = info.filename
        if name in self.bundle.infos:
            raise Failure(name, "the name occurs twice in the ZIP")
        if not is_bundle_path(name):
            raise Failure(name, "not a valid bundle path (relative, /-separated, "
                                "[A-Za-z0-9._-] segments, no directory entries)")
        if info.flag_bits & 0x1:
            raise Failure(name, "the entry is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Failure(name, "the entry is neither stored nor deflated")

    def _hash_entry(self, info):
        """Streams an entry through SHA-256 (the ZIP checks its CRC-32)."""
        h = hashlib.sha256()
        size = 0
        try:
            with self.bundle.zip.open(info) as f:
                while True:
                    chunk = f.read(CHUNK)
                    if not chunk:
                        break
                    h.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError,
                NotImplementedError, RuntimeError) as e:
            raise Failure(info.filename, "the entry does not read: %s" % e) from None
        if size != info.file_size:
            raise Failure(info.filename, "the entry's size differs from the ZIP directory")
        return size, h.hexdigest()

    # 2. Checksums -------------------------------------------------------------

    def check_checksums(self):
        b = self.bundle
        with about(SUMS):
            text = utf8(b.read_index(SUMS), SUMS)
        if text and not text.endswith("\n"):
            raise Failure(SUMS, "the last line does not end in a newline")
        listed = {}
        for number, line in enumerate(text.split("\n")[:-1], 1):
            m = re.match(r"([0-9a-fA-F]{64}) [ *](.+)\Z", line)
            if not m:
                raise Failure(SUMS, "line %d is not \"<sha256>  <file>\"" % number)
            digest, name = m.group(1).lower(), m.group(2)
            if name in listed:
                raise Failure([SUMS, name], "%s is listed twice" % name)
            if name == SUMS:
                raise Failure(SUMS, "lists itself")
            if not b.has(name):
                raise Failure([SUMS, name], "lists %s, which is not in the bundle" % name)
            listed[name] = digest
        for name in b.names:
            if name != SUMS and name not in listed:
                raise Failure([name, SUMS], "not listed in %s" % SUMS)
        for name in sorted(listed):
            if b.sha256(name) != listed[name]:
                raise Failure([name, SUMS], "SHA-256 does not match %s" % SUMS)
        return "%d files" % len(listed)

    # 3. Key -------------------------------------------------------------------

    def check_key(self):
        b = self.bundle
        with about(PEM_KEY):
            pem_raw = parse_pem_public_key(utf8(b.read(PEM_KEY), PEM_KEY))
        with about(VKEY):
            key = parse_vkey(one_line(utf8(b.read(VKEY), VKEY), VKEY))
        if key.raw != pem_raw:
            raise Failure([PEM_KEY, VKEY], "the PEM and the verifier key hold different keys")
        self.key = key
        if self.trusted_key is None:
            return ("%s (Ed25519) -- TAKEN FROM THE BUNDLE ITSELF (no --key): compare it "
                    "with the key the company published" % key.vkey)
        trusted = self.trusted_key
        if trusted.raw != key.raw:
            raise Failure([PEM_KEY, VKEY], "the bundle's key is not the trusted key (--key %s)"
                          % self.trusted_key_path)
        if trusted.name is not None and trusted.name != key.name:
            raise Failure(VKEY, "the bundle's key name %r is not the trusted key's name %r"
                          % (key.name, trusted.name))
        return "%s (Ed25519) is the trusted key (--key %s)" % (key.vkey, self.trusted_key_path)

    # 4. Manifest signature ----------------------------------------------------

    def check_manifest_signature(self):
        b = self.bundle
        sig = b.read(MANIFEST_SIG)
        if len(sig) != 64:
            raise Failure(MANIFEST_SIG, "not a raw 64-byte Ed25519 signature (%d bytes)" % len(sig))
        if not self.openssl.ed25519_verify(self.key.raw, b.read_index(MANIFEST), sig):
            raise Failure([MANIFEST, MANIFEST_SIG],
                          "the signature does not verify with the log key")
        return "%s verifies with the log key" % MANIFEST_SIG

    # 5. Manifest --------------------------------------------------------------

    def check_manifest(self):
        b = self.bundle
        data = b.read_index(MANIFEST)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise Failure(MANIFEST, "a DOCTYPE or ENTITY declaration is not allowed")
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as e:
            raise Failure(MANIFEST, "not well-formed XML: %s" % e) from None
        if root.tag != "Root":
            raise Failure(MANIFEST, "the root element is not Root")
        if root.get("Format") != FORMAT:
            raise Failure(MANIFEST, "Format is %r, not %r" % (root.get("Format"), FORMAT))
        m = Manifest()
        with about(MANIFEST):
            self._manifest_header(root, m)
            self._manifest_documents(root, m)
        for path in sorted(m.files):
            if not b.has(path):
                raise Failure([MANIFEST, path], "lists %s, which is not in the bundle" % path)
        for name in b.names:
            if name in NOT_IN_MANIFEST:
                continue
            if name not in m.files:
                raise Failure([name, MANIFEST], "not listed in %s" % MANIFEST)
            size, digest = m.files[name]
            if size != b.digests[name][0]:
                raise Failure([name, MANIFEST], "FileSize in %s is %d, the file has %d bytes"
                              % (MANIFEST, size, b.digests[name][0]))
            if digest != b.sha256(name):
                raise Failure([name, MANIFEST], "SHA-256 does not match %s" % MANIFEST)
        self.manifest = m
        return "%d files listed with size and SHA-256; case %s, created %s, %s bundle" % (
            len(m.files), m.case or "(none)", m.created or "(none)",
            "redacted" if m.redacted else "full")

    @staticmethod
    def _manifest_header(root, m):
        log = root.find("Log")
        if log is None:
            raise Invalid("no Log element")
        m.log_name = log.get("Name")
        m.checkpoint_size = log.get("CheckpointSize")
        m.root_hash = log.get("RootHash")
        if not m.log_name or m.checkpoint_size is None or m.root_hash is None:
            raise Invalid("Log lacks Name, CheckpointSize or RootHash")
        scope = root.find("Scope")
        if scope is None:
            raise Invalid("no Scope element")
        redacted = scope.get("Redacted")
        if redacted not in ("true", "false"):
            raise Invalid("Scope/@Redacted is %r, not \"true\" or \"false\"" % redacted)
        m.redacted = redacted == "true"
        case = root.find("Case")
        if case is not None:
            m.case = case.get("Reference")
            m.request_id = case.get("RequestId")
        m.created = root.findtext("Created")

    @staticmethod
    def _manifest_documents(root, m):
        documents = root.findall("Batch/Documents/Document")
        if len(list(root.iter("Document"))) != len(documents):
            raise Invalid("a Document element outside Root/Batch/Documents")
        if len(list(root.iter("ExternalFile"))) != len(documents):
            raise Invalid("not exactly one ExternalFile per Document")
        for doc in documents:
            doc_id = doc.get("DocID", "?")
            if doc.get("DocType") not in DOC_TYPES:
                raise Invalid("Document %s: DocType %r is not a bundle DocType"
                              % (doc_id, doc.get("DocType")))
            ext = list(doc.iter("ExternalFile"))
            if len(ext) != 1:
                raise Invalid("Document %s: not exactly one ExternalFile" % doc_id)
            ext = ext[0]
            file_path, file_name = ext.get("FilePath", ""), ext.get("FileName", "")
            path = file_path + "/" + file_name if file_path else file_name
            if not is_bundle_path(path):
                raise Invalid("Document %s: %r is not a bundle path" % (doc_id, path))
            if path in NOT_IN_MANIFEST:
                raise Invalid("Document %s lists %s, which must not be listed" % (doc_id, path))
            if path in m.files:
                raise Invalid("%s is listed twice" % path)
            if ext.get("HashType") != "SHA256":
                raise Invalid("Document %s: HashType is not SHA256" % doc_id)
            size = parse_decimal(ext.get("FileSize"))
            digest = ext.get("Hash", "")
            if size is None or not HEX64.match(digest):
                raise Invalid("Document %s: bad FileSize or Hash" % doc_id)
            m.files[path] = (size, digest)

    # 6. Checkpoint ------------------------------------------------------------

    def check_checkpoint(self):
        note = self.bundle.read(CHECKPOINT, PROOF_LIMIT)
        with about(CHECKPOINT):
            cp = verified_checkpoint(note, self.key, self.openssl.ed25519_verify)
        m = self.manifest
        if cp.origin != m.log_name:
            raise Failure([CHECKPOINT, MANIFEST], "origin %r is not Log/@Name %r"
                          % (cp.origin, m.log_name))
        if parse_decimal(m.checkpoint_size) != cp.size:
            raise Failure([MANIFEST, CHECKPOINT], "Log/@CheckpointSize %r is not the size %d"
                          % (m.checkpoint_size, cp.size))
        if m.root_hash != cp.root_b64:
            raise Failure([MANIFEST, CHECKPOINT], "Log/@RootHash is not the checkpoint's root")
        self.checkpoint = cp
        self.checkpoint_note = note
        return "%s, size %d, root %s, signed by the log key" % (cp.origin, cp.size, cp.root_b64)

    # 7. Events and proofs -----------------------------------------------------

    def check_events(self):
        n = self.checkpoint.size
        seqs = set()
        count, first, last = 0, None, None
        with self.bundle.open(EVENTS) as f:
            line_number = 0
            while True:
                line = f.readline(EVENT_LINE_LIMIT + 1)
                if not line:
                    break
                line_number += 1
                seq = self._check_event_line(line, line_number, last, n)
                self._check_inclusion(seq, line[:-1], line_number)
                seqs.add(seq)
                count += 1
                first = seq if first is None else first
                last = seq
        for name in self.bundle.under("audit/"):
            if name.endswith(".tlog-proof") and name.count("/") == 1:
                seq = parse_decimal(name[len("audit/"):-len(".tlog-proof")])
                if seq not in seqs:
                    raise Failure([name, EVENTS], "a proof file without its event")
        if count == 0:
            return "no events"
        hold = ""
        if self.hold_event is not None:
            self._check_hold_as_logged()
            hold = "; the request's legal hold is the one event %d placed" % self.hold_event[0]
        return "%d events (seq %d to %d), each with its inclusion proof to size %d%s" % (
            count, first, last, n, hold)

    def _check_hold_as_logged(self):
        """evidence/request.json's hold is the one its approval recorded in the log.

        The same ids; or, for a list the event cut short, its first ids, its
        total (KEY_total) and the SHA-256 of the whole list, one id per line
        (KEY_sha256)."""
        seq, logged = self.hold_event
        with about(REQUEST):
            request = parse_json_object(self.bundle.read(REQUEST), REQUEST)
        hold = request.get("hold")
        if not isinstance(hold, dict):
            raise Failure(REQUEST, "no legal hold, though event %d placed one" % seq)
        for key in ("records", "agreements"):
            kept, listed = hold.get(key), logged.get(key)
            if not isinstance(kept, list) or not isinstance(listed, list):
                raise Failure(REQUEST, "the hold's %s are not a list here or in event %d"
                              % (key, seq))
            if not all(isinstance(i, str) for i in kept):
                raise Failure(REQUEST, "the hold's %s are not ids" % key)
            digest = logged.get(key + "_sha256")
            if digest is None:
                same = listed == kept
            else:
                whole = "".join(i + "\n" for i in kept).encode("utf-8")
                same = (listed == kept[:len(listed)]
                        and digest == hashlib.sha256(whole).hexdigest()
                        and logged.get(key + "_total") == len(kept))
            if not same:
                raise Failure(REQUEST, "the hold's %s differ from those event %d recorded"
                              % (key, seq))

    def _check_event_line(self, line, line_number, previous, tree_size):
        """One line of events.jsonl: a JSON object with a rising seq < size."""
        where = "line %d" % line_number
        if not line.endswith(b"\n"):
            if len(line) > EVENT_LINE_LIMIT:
                raise Failure(EVENTS, "%s is longer than %d bytes" % (where, EVENT_LINE_LIMIT))
            raise Failure(EVENTS, "%s does not end in a newline" % where)
        leaf = line[:-1]
        if not (leaf.startswith(b"{") and leaf.endswith(b"}")):
            raise Failure(EVENTS, "%s is not a JSON object on one line" % where)
        with about(EVENTS):
            event = parse_json_object(leaf, where)
        seq = event.get("seq")
        if not is_json_int(seq) or seq < 0:
            raise Failure(EVENTS, "%s: seq is not a non-negative integer" % where)
        if seq >= tree_size:
            raise Failure(EVENTS, "%s: seq %d is not below the checkpoint size %d"
                          % (where, seq, tree_size))
        if previous is not None and seq <= previous:
            raise Failure(EVENTS, "%s: seq %d does not follow seq %d" % (where, seq, previous))
        details = event.get("details")
        if isinstance(details, dict) and isinstance(details.get("checkpoint"), dict):
            self.earlier.append((seq, details["checkpoint"]))
        obj = event.get("object")
        if (event.get("action") == "evidence.approve" and isinstance(obj, dict)
                and obj.get("id") == self.manifest.request_id and isinstance(details, dict)
                and isinstance(details.get("legal_hold"), dict)):
            self.hold_event = (seq, details["legal_hold"])
        policy = event.get("policy")
        if policy is not None and policy != "":
            # judged by check 10; a non-string can name no policy file
            key = policy if isinstance(policy, str) else json.dumps(policy)
            self.policies.setdefault(key, seq)
        return seq

    def _check_inclusion(self, seq, leaf, line_number):
        """audit/<seq>.tlog-proof proves the leaf against audit/checkpoint."""
        name = "audit/%d.tlog-proof" % seq
        if not self.bundle.has(name):
            raise Failure([name, EVENTS], "missing: the inclusion proof of seq %d (line %d)"
                          % (seq, line_number))
        with about(name):
            index, hashes, note = parse_tlog_proof(self.bundle.read(name, PROOF_LIMIT))
            if index != seq:
                raise Invalid("the proof's index %d is not the seq %d" % (index, seq))
            if note != self.checkpoint_note:
                raise Invalid("the proof's checkpoint is not byte-for-byte %s" % CHECKPOINT)
        cp = self.checkpoint
        with about(name, EVENTS):
            try:
                verify_inclusion(seq, cp.size, leaf_hash(leaf), hashes, cp.root)
            except Invalid as e:
                raise Invalid("%s (event on line %d, seq %d)" % (e, line_number, seq)) from None

    # 8. Earlier checkpoints ---------------------------------------------------

    def check_earlier_checkpoints(self):
        n = self.checkpoint.size
        verified = {}    # size -> root
        for seq, ref in self.earlier:
            size, root = self._earlier_ref(seq, ref)
            if size >= n:
                continue
            if size not in verified:
                verified[size] = self._verify_earlier(size, n)
            if verified[size] != root:
                raise Failure(["audit/checkpoints/%d" % size, EVENTS],
                              "the root of size %d is not the root event seq %d names"
                              % (size, seq))
        wanted = {"audit/consistency/%d-%d" % (s, n) for s in verified}
        for name in self.bundle.under("audit/consistency/"):
            if name not in wanted:
                raise Failure(name, "a consistency proof no event calls for")
        if not verified:
            return "none named by the events"
        return "%d earlier checkpoint(s) (size %s), signed and consistent with size %d" % (
            len(verified), ", ".join(str(s) for s in sorted(verified)), n)

    @staticmethod
    def _earlier_ref(seq, ref):
        """details.checkpoint {"size": S, "root": R} -> (S, root bytes)."""
        size, root = ref.get("size"), ref.get("root")
        if not is_json_int(size) or size < 0 or not isinstance(root, str):
            raise Failure(EVENTS, "event seq %d: details.checkpoint is not "
                                  "{\"size\": S, \"root\": R}" % seq)
        with about(EVENTS):
            try:
                return size, decode_fixed(root, 32, "details.checkpoint.root")
            except Invalid as e:
                raise Invalid("event seq %d: %s" % (seq, e)) from None

    def _verify_earlier(self, size, n):
        """audit/checkpoints/S signed, of size S; audit/consistency/S-N holds."""
        name = "audit/checkpoints/%d" % size
        proof_name = "audit/consistency/%d-%d" % (size, n)
        if not self.bundle.has(name):
            raise Failure([name, EVENTS], "missing: an event names the checkpoint of size %d"
                          % size)
        with about(name):
            cp = verified_checkpoint(self.bundle.read(name, PROOF_LIMIT), self.key,
                                     self.openssl.ed25519_verify)
            if cp.size != size:
                raise Invalid("its size is %d, not %d" % (cp.size, size))
        if not self.bundle.has(proof_name):
            raise Failure([proof_name, name], "missing: the consistency proof from size %d"
                          % size)
        with about(proof_name):
            hashes = parse_hash_lines(self.bundle.read(proof_name, PROOF_LIMIT))
            verify_consistency(size, n, cp.root, self.checkpoint.root, hashes)
        return cp.root

    # 9. Timestamp -------------------------------------------------------------

    def check_timestamp(self):
        b = self.bundle
        if not b.has(TIMESTAMP):
            if b.has(TSA_CA):
                raise Failure(TSA_CA, "a TSA certificate without %s" % TIMESTAMP)
            return "none: the bundle carries no trusted timestamp"
        if not b.has(TSA_CA):
            raise Failure([TIMESTAMP, TSA_CA], "missing: %s for the timestamp" % TSA_CA)
        token = b.read(TIMESTAMP, PROOF_LIMIT)
        when = self.openssl.ts_time(token)
        ok, message = self.openssl.ts_verify(self.checkpoint_note, token, b.read(TSA_CA),
                                             attime=gen_time_seconds(when))
        if not ok:
            raise Failure([TIMESTAMP, TSA_CA], "openssl ts -verify fails: %s" % message)
        return ("RFC 3161 token over %s verifies against %s%s; compare that CA with the "
                "TSA's published certificate" % (CHECKPOINT, TSA_CA,
                                                 ", time %s" % when if when else ""))

    # 10. Policies -------------------------------------------------------------

    def check_policies(self):
        b = self.bundle
        files = b.under("policy/")
        for name in files:
            m = re.match(r"policy/([0-9a-f]{64})\.xml\Z", name)
            if not m:
                raise Failure(name, "not policy/<sha256>.xml")
            if b.sha256(name) != m.group(1):
                raise Failure(name, "the file's SHA-256 is not its name")
        for policy, seq in sorted(self.policies.items(), key=lambda item: item[1]):
            name = "policy/%s.xml" % policy
            if not b.has(name):
                raise Failure([EVENTS, name], "event seq %d names policy %s; %s is missing"
                              % (seq, policy, name))
        return "%d policy file(s) hash to their names; the %d the events name are present" % (
            len(files), len(self.policies))

    # 11. Records --------------------------------------------------------------

    def check_records(self):
        b = self.bundle
        redacted = self.manifest.redacted
        versions = {}   # (id, n) -> {"commitments"|"json"|"salts": name}
        pattern = re.compile(r"records/([^/]+)/v([0-9]+)\.(commitments\.json|"
                             r"salts\.json|json)\Z")
        for name in b.under("records/"):
            if redacted and re.match(r"records/[^/]+/attachments/", name):
                raise Failure(name, "an attachment in a redacted bundle (attachments are "
                                    "in full bundles only)")
            m = pattern.match(name)
            if m:
                if parse_decimal(m.group(2)) is None:
                    raise Failure(name, "the version number has leading zeros")
                kind = m.group(3).split(".")[0]
                versions.setdefault((m.group(1), int(m.group(2))), {})[kind] = name
        fields = 0
        for (record, n), files in sorted(versions.items()):
            if "commitments" not in files:
                orphan = files.get("json") or files.get("salts")
                raise Failure(orphan, "a version without its v%d.commitments.json" % n)
            fields += self._check_version(record, n, files, redacted)
        records = len({r for r, _ in versions})
        if redacted:
            return ("%d version(s) of %d record(s) carry commitments only (redacted bundle: "
                    "no content, no salts)" % (len(versions), records))
        return "%d version(s) of %d record(s): %d field commitment(s) match content and salts" % (
            len(versions), records, fields)

    def _check_version(self, record, n, files, redacted):
        """One version: its commitments, and in a full bundle content and salts."""
        cname = files["commitments"]
        with about(cname):
            commitments = parse_json_object(self.bundle.read(cname), cname)
            self._check_names(commitments, COMMITMENTS_FORMAT, record, n)
            committed = commitments.get("fields")
            if not isinstance(committed, dict):
                raise Invalid("fields is not an object")
            for path, value in committed.items():
                if not isinstance(value, str) or not HEX64.match(value):
                    raise Invalid("the commitment of %s is not lower-case hex SHA-256" % path)
        if redacted:
            for kind in ("json", "salts"):
                if kind in files:
                    raise Failure(files[kind], "content or salts in a redacted bundle")
            return 0
        vname = "records/%s/v%d.json" % (record, n)
        sname = "records/%s/v%d.salts.json" % (record, n)
        for name in (vname, sname):
            if not self.bundle.has(name):
                raise Failure([name, cname], "missing in a full bundle")
        with about(vname):
            stored = parse_json_object(self.bundle.read(vname), vname)
            if not isinstance(stored.get("content"), dict):
                raise Invalid("the version has no content object")
            leaves = flatten_content(stored["content"])
        with about(sname):
            salts_doc = parse_json_object(self.bundle.read(sname), sname)
            self._check_names(salts_doc, SALTS_FORMAT, record, n)
            salts = salts_doc.get("salts")
            if not isinstance(salts, dict):
                raise Invalid("salts is not an object")
        if set(salts) != set(committed):
            raise Failure([sname, cname], "the salts are not for exactly the committed fields")
        if set(leaves) != set(committed):
            missing = sorted(set(leaves) ^ set(committed))
            raise Failure([vname, cname], "the content's fields are not the committed fields "
                                          "(e.g. %s)" % missing[0])
        for path in sorted(committed):
            with about(sname):
                salt = b64decode_strict(salts[path], "the salt of %s" % path) \
                    if isinstance(salts[path], str) else None
                if salt is None or len(salt) != 32:
                    raise Invalid("the salt of %s is not base64 of 32 bytes" % path)
            value = leaves[path].encode("utf-8")
            if hashlib.sha256(salt + value).hexdigest() != committed[path]:
                raise Failure([vname, cname, sname], "%s: SHA-256(salt || value) is not "
                                                     "its commitment" % path)
        return len(committed)

    @staticmethod
    def _check_names(doc, fmt, record, n):
        """format, record and version fields of a commitments or salts file."""
        if doc.get("format") != fmt:
            raise Invalid("format is not %r" % fmt)
        if doc.get("record") != record:
            raise Invalid("record is %r, not %r" % (doc.get("record"), record))
        if not is_json_int(doc.get("version")) or doc["version"] != n:
            raise Invalid("version is %r, not %d" % (doc.get("version"), n))

    # 12. Agreements -----------------------------------------------------------

    def check_agreements(self):
        b = self.bundle
        pattern = re.compile(r"agreements/([^/]+)/signatures/([^/]+)\.(json|statement|sig|pem)\Z")
        steps = {}
        for name in b.under("agreements/"):
            m = pattern.match(name)
            if m:
                steps.setdefault((m.group(1), m.group(2)), {})[m.group(3)] = name
        agreements = set()
        for (agreement, step), files in sorted(steps.items()):
            if "json" not in files:
                raise Failure(sorted(files.values())[0], "a signature file without its "
                                                         "signature record %s.json" % step)
            self._check_signature(agreement, step)
            agreements.add(agreement)
        if not steps:
            return "no signatures"
        return "%d signature(s) on %d agreement(s) verify over the documents signed" % (
            len(steps), len(agreements))

    def _check_signature(self, agreement, step):
        """One signature record against its files, the document and openssl."""
        base = "agreements/%s/signatures/%s" % (agreement, step)
        rname = base + ".json"
        for ext in (".statement", ".sig", ".pem"):
            if not self.bundle.has(base + ext):
                raise Failure([base + ext, rname], "missing: the signature record's file")
        with about(rname):
            rec = parse_json_object(self.bundle.read(rname), rname)
            statement = rec.get("statement")
            if not isinstance(statement, str):
                raise Invalid("statement is not a string")
            signature = decode_fixed(rec.get("signature"), 64, "signature")
            public_key = rec.get("public_key")
            if isinstance(public_key, str) and public_key.startswith("-----BEGIN"):
                public_key = parse_pem_public_key(public_key)
            else:
                public_key = decode_fixed(public_key, 32, "public_key")
        statement_bytes = self.bundle.read(base + ".statement")
        if statement_bytes != statement.encode("utf-8"):
            raise Failure([base + ".statement", rname], "not exactly the record's statement")
        if self.bundle.read(base + ".sig", PROOF_LIMIT) != signature:
            raise Failure([base + ".sig", rname], "not the record's signature")
        with about(base + ".pem"):
            pem_raw = parse_pem_public_key(utf8(self.bundle.read(base + ".pem"), "the PEM"))
        if pem_raw != public_key:
            raise Failure([base + ".pem", rname], "not the record's public key")
        with about(base + ".statement"):
            stmt = parse_json_object(statement_bytes, "the statement")
            if stmt.get("agreement_id") != agreement:
                raise Invalid("agreement_id is %r, not %r" % (stmt.get("agreement_id"), agreement))
            signed_hash = stmt.get("document_sha256")
            if not isinstance(signed_hash, str) or not HEX64.match(signed_hash):
                raise Invalid("document_sha256 is not lower-case hex SHA-256")
        self._check_signed_document(agreement, base + ".statement", signed_hash)
        if not self.openssl.ed25519_verify(public_key, statement_bytes, signature):
            raise Failure([base + ".sig", base + ".statement", base + ".pem"],
                          "the Ed25519 signature does not verify")

    def _check_signed_document(self, agreement, statement_name, signed_hash):
        """document_sha256 is document.html's hash (a custodian's attestation: scan's)."""
        document = "agreements/%s/document.html" % agreement
        scan = "agreements/%s/scan" % agreement
        candidates = [n for n in (document, scan) if self.bundle.has(n)]
        if not candidates:
            raise Failure([document, statement_name], "missing: the signed document")
        if any(self.bundle.sha256(n) == signed_hash for n in candidates):
            return
        raise Failure(candidates + [statement_name],
                      "document_sha256 is not the SHA-256 of %s" % " or ".join(candidates))


def flatten_content(content):
    """The content's leaves: {"content.a.b": "x", "content.c[0]": "y", ...}.

    Every leaf must be a string; two leaves with one path are refused."""
    leaves = {}
    stack = [("content", content)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                stack.append(("%s.%s" % (path, key), child))
        elif isinstance(value, list):
            for i, child in enumerate(value):
                stack.append(("%s[%d]" % (path, i), child))
        elif isinstance(value, str):
            if path in leaves:
                raise Invalid("two content leaves share the path %s" % path)
            leaves[path] = value
        else:
            raise Invalid("the content leaf %s is not a string" % path)
    return leaves


# ---- main --------------------------------------------------------------------


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def parse_args(argv):
    ap = ArgumentParser(prog=os.path.basename(sys.argv[0]),
                        description="Verify a Custos evidence bundle (custos-evidence/1).")
    ap.add_argument("bundle", metavar="BUNDLE.zip")
    ap.add_argument("--key", metavar="FILE",
                    help="the trusted log key: PEM Ed25519 public key or verifier key")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    return ap.parse_args(argv)


def main(argv):
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")  # any locale can show the report
    try:
        args = parse_args(argv)
        trusted = load_trusted_key(args.key) if args.key else None
        if not os.path.isfile(args.bundle) or not os.access(args.bundle, os.R_OK):
            raise UsageError("%s: not a readable file" % args.bundle)
    except UsageError as e:
        print("usage error: %s" % e, file=sys.stderr)
        return 2
    report = Report(args.json)
    bundle = Bundle(args.bundle)
    try:
        with OpenSSL() as openssl:
            verifier = Verifier(bundle, trusted, args.key, openssl, report)
            passed = verifier.run()
    except UsageError as e:
        print("usage error: %s" % e, file=sys.stderr)
        return 2
    finally:
        bundle.close()
    key_source = "trusted" if trusted else "bundle"
    if trusted is None and passed:
        report.note("no --key: the log key was taken from the bundle itself; the bundle is "
                    "only as trustworthy as that key. Verify again with --key and the key "
                    "the company published or deposited with the court.")
    report.finish(passed, key_source)
    return 0 if passed else 1


if __name__ == "__main__":
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `verify.py B | head` ends quietly
    sys.exit(main(sys.argv[1:]))
