#!/usr/bin/env python3
"""Independent verifier for Custos audit-log checkpoints and proofs.

Written from the public specifications only, not from the Custos sources:
  - c2sp.org/signed-note       (Ed25519 signatures, key IDs, verifier keys)
  - c2sp.org/tlog-checkpoint   (origin, tree size, root hash)
  - c2sp.org/tlog-proof@v1     (inclusion proofs, .tlog-proof files)
  - c2sp.org/tlog-tiles        (a log served as checkpoint, tiles, bundles)
  - RFC 6962 / RFC 9162 §2.1   (Merkle tree hashing, proof verification)

Python 3 standard library only; Ed25519 signatures are checked with
`openssl pkeyutl -verify -rawin` (OpenSSL 3).

Usage:
  verify_tlog.py checkpoint  --vkey VKEY [--origin O] CHECKPOINT
  verify_tlog.py inclusion   --vkey VKEY [--origin O] --leaf LEAF PROOF.tlog-proof
  verify_tlog.py consistency --vkey VKEY [--origin O] OLD_CHECKPOINT NEW_CHECKPOINT PROOF
  verify_tlog.py tiles       --vkey VKEY [--origin O] [--entries] [--header H] PREFIX_URL

VKEY is a verifier key ("name+hex8+base64") or a file holding one. LEAF is a
file holding the exact leaf bytes. A consistency PROOF file holds one base64
hash per line. PREFIX_URL is a tiled log's prefix (".../tlog/"): its
checkpoint is verified, and its root rebuilt from the hash tiles of every
level (with --entries, also every entry bundle against the level-0 tiles);
--header "Name: value" is sent with each request (e.g. a session cookie).
Exit status: 0 verified, 1 verification failed, 2 usage error.
"""

import argparse
import base64
import binascii
import hashlib
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

EM_DASH = "\u2014"
ALG_ED25519 = 0x01
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


class VerifyError(Exception):
    pass


def b64decode_strict(s):
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as e:
        raise VerifyError("bad base64: %r" % s) from e
    if base64.b64encode(raw).decode() != s:
        raise VerifyError("non-canonical base64: %r" % s)
    return raw


# ---- signed notes ----------------------------------------------------------------


def parse_vkey(text):
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise VerifyError("malformed verifier key")
    name, hexid, b64 = parts
    if not name or len(hexid) != 8:
        raise VerifyError("malformed verifier key")
    key = b64decode_strict(b64)
    if len(key) != 33 or key[0] != ALG_ED25519:
        raise VerifyError("verifier key is not an Ed25519 key")
    key_id = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    if key_id.hex() != hexid.lower():
        raise VerifyError("verifier key ID does not match the key")
    return name, key_id, key[1:]


def ed25519_verify(pubkey, message, signature):
    pem = (
        "-----BEGIN PUBLIC KEY-----\n"
        + base64.b64encode(ED25519_SPKI_PREFIX + pubkey).decode()
        + "\n-----END PUBLIC KEY-----\n"
    )
    with tempfile.TemporaryDirectory() as d:
        paths = {}
        for fname, data in (("key.pem", pem.encode()), ("msg", message), ("sig", signature)):
            paths[fname] = os.path.join(d, fname)
            with open(paths[fname], "wb") as f:
                f.write(data)
        r = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", paths["key.pem"],
             "-rawin", "-in", paths["msg"], "-sigfile", paths["sig"]],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return r.returncode == 0


def open_note(note, vkey):
    """Checks the note's signature by vkey; returns the note text (bytes)."""
    name, key_id, pubkey = vkey
    try:
        note.decode("utf-8")
    except UnicodeDecodeError as e:
        raise VerifyError("note is not UTF-8") from e
    split = note.rfind(b"\n\n")
    if split < 0:
        raise VerifyError("note has no signature block")
    text, sigblock = note[: split + 1], note[split + 2:]
    if not sigblock.endswith(b"\n"):
        raise VerifyError("signature block does not end in a newline")
    verified = False
    for line in sigblock[:-1].decode().split("\n"):
        if not line.startswith(EM_DASH + " "):
            raise VerifyError("malformed signature line: %r" % line)
        fields = line[2:].split(" ")
        if len(fields) != 2:
            raise VerifyError("malformed signature line: %r" % line)
        sig = b64decode_strict(fields[1])
        if len(sig) < 5:
            raise VerifyError("signature too short")
        if fields[0] != name or sig[:4] != key_id:
            continue  # another signer (e.g. a witness); not ours to judge
        if len(sig) != 4 + 64 or not ed25519_verify(pubkey, text, sig[4:]):
            raise VerifyError("invalid signature by %s" % name)
        verified = True
    if not verified:
        raise VerifyError("no signature by %s+%s" % (name, key_id.hex()))
    return text


def parse_checkpoint(text, origin):
    if not text.endswith(b"\n"):
        raise VerifyError("checkpoint text does not end in a newline")
    lines = text[:-1].decode().split("\n")
    if len(lines) < 3 or any(not l for l in lines):
        raise VerifyError("malformed checkpoint")
    if origin is not None and lines[0] != origin:
        raise VerifyError("checkpoint origin %r, expected %r" % (lines[0], origin))
    size_s = lines[1]
    if not size_s.isdigit() or (len(size_s) > 1 and size_s[0] == "0"):
        raise VerifyError("bad tree size %r" % size_s)
    root = b64decode_strict(lines[2])
    if len(root) != 32:
        raise VerifyError("root hash is not 32 bytes")
    return lines[0], int(size_s), root


def verified_checkpoint(note, vkey, origin):
    return parse_checkpoint(open_note(note, vkey), origin)


# ---- RFC 6962 / 9162 -------------------------------------------------------------


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index, size, lhash, proof):
    # RFC 9162 §2.1.3.2
    if index >= size:
        raise VerifyError("index %d is not below tree size %d" % (index, size))
    fn, sn, r = index, size - 1, lhash
    for p in proof:
        if sn == 0:
            raise VerifyError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerifyError("inclusion proof too short")
    return r


def verify_consistency(size1, size2, root1, root2, proof):
    # RFC 9162 §2.1.4.2
    if size1 > size2:
        raise VerifyError("old size exceeds new size")
    if size1 == size2:
        if proof or root1 != root2:
            raise VerifyError("equal sizes need equal roots and an empty proof")
        return
    if size1 == 0:
        if proof:
            raise VerifyError("proof from the empty tree must be empty")
        return
    if not proof:
        raise VerifyError("empty consistency proof")
    if size1 & (size1 - 1) == 0:
        proof = [root1] + list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise VerifyError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerifyError("consistency proof too short")
    if fr != root1:
        raise VerifyError("consistency proof does not lead to the old root")
    if sr != root2:
        raise VerifyError("consistency proof does not lead to the new root")


# ---- tlog-proof ------------------------------------------------------------------


def parse_tlog_proof(data):
    pos = 0

    def line():
        nonlocal pos
        end = data.find(b"\n", pos)
        if end < 0:
            raise VerifyError("truncated tlog-proof")
        l = data[pos:end].decode()
        pos = end + 1
        return l

    if line() != "c2sp.org/tlog-proof@v1":
        raise VerifyError("not a c2sp.org/tlog-proof@v1")
    l = line()
    if l.startswith("extra "):
        b64decode_strict(l[len("extra "):])
        l = line()
    if not l.startswith("index "):
        raise VerifyError("missing index line")
    idx_s = l[len("index "):]
    if not idx_s.isdigit() or (len(idx_s) > 1 and idx_s[0] == "0"):
        raise VerifyError("bad index %r" % idx_s)
    hashes = []
    while True:
        l = line()
        if l == "":
            break
        h = b64decode_strict(l)
        if len(h) != 32:
            raise VerifyError("proof hash is not 32 bytes")
        hashes.append(h)
    return int(idx_s), hashes, data[pos:]


# ---- c2sp.org/tlog-tiles ---------------------------------------------------------


def tile_path(level, index, width):
    # <L>/<N>[.p/<W>], N in 3-digit groups, all but the last led by "x".
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    path = "tile/%s/%s" % (level, "/".join(["x" + g for g in groups[:-1]] + [groups[-1]]))
    return path + (".p/%d" % width if width < 256 else "")


class TileFetcher:
    def __init__(self, prefix, headers):
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"
        self.headers = headers
        self.cache = {}

    def get(self, path):
        if path not in self.cache:
            req = urllib.request.Request(self.prefix + path, headers=self.headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    self.cache[path] = resp.read()
            except urllib.error.HTTPError as e:
                raise VerifyError("GET %s: HTTP %d" % (path, e.code))
            except urllib.error.URLError as e:
                raise VerifyError("GET %s: %s" % (path, e.reason))
        return self.cache[path]

    def hashes(self, level, index, size):
        # The tile of `level` (tile levels: 8 tree levels each) holding hash
        # `index`, as wide as a tree of `size` entries makes it.
        held = size >> (8 * level)
        width = min(256, held - index * 256)
        data = self.get(tile_path(level, index, width))
        if len(data) != 32 * width:
            raise VerifyError("tile %s is %d bytes, not %d" % (tile_path(level, index, width),
                                                               len(data), 32 * width))
        return [data[i * 32:(i + 1) * 32] for i in range(width)]


def node_from_tiles(fetcher, level, index, size):
    # The hash of the complete subtree at tree `level` and `index`: from the
    # tile level below it, 2^r hashes of one tile hashed pairwise up.
    tile_level, r = divmod(level, 8)
    first, count = index << r, 1 << r
    tile = fetcher.hashes(tile_level, first // 256, size)
    hashes = tile[first % 256:first % 256 + count]
    if len(hashes) != count:
        raise VerifyError("a tile is too short for the tree size")
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


def root_from_tiles(fetcher, size):
    # RFC 6962's root as the fold of the tree's complete subtrees, largest
    # first (one per set bit of the size).
    peaks = [node_from_tiles(fetcher, k, (size >> k) - 1, size)
             for k in range(63, -1, -1) if (size >> k) & 1]
    if not peaks:
        return hashlib.sha256(b"").digest()
    root = peaks[-1]
    for p in reversed(peaks[:-1]):
        root = node_hash(p, root)
    return root


def check_entries(fetcher, size):
    for index in range((size + 255) // 256):
        width = min(256, size - index * 256)
        leaves = fetcher.hashes(0, index, size)
        data = fetcher.get("tile/entries/" + tile_path(0, index, width)[len("tile/0/"):])
        at, n = 0, 0
        while at < len(data):
            if at + 2 > len(data):
                raise VerifyError("entry bundle %d is truncated" % index)
            length = int.from_bytes(data[at:at + 2], "big")
            entry = data[at + 2:at + 2 + length]
            if len(entry) != length or n >= width:
                raise VerifyError("entry bundle %d is malformed" % index)
            if leaf_hash(entry) != leaves[n]:
                raise VerifyError("entry %d does not hash to its tile" % (index * 256 + n))
            at, n = at + 2 + length, n + 1
        if n != width:
            raise VerifyError("entry bundle %d holds %d entries, not %d" % (index, n, width))


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def load_vkey(arg):
    if os.path.exists(arg):
        arg = read_file(arg).decode()
    return parse_vkey(arg)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("checkpoint", "inclusion", "consistency", "tiles"):
        p = sub.add_parser(name)
        p.add_argument("--vkey", required=True)
        p.add_argument("--origin")
        if name == "tiles":
            p.add_argument("--entries", action="store_true")
            p.add_argument("--header", action="append", default=[])
            p.add_argument("prefix")
        elif name == "checkpoint":
            p.add_argument("checkpoint")
        elif name == "inclusion":
            p.add_argument("--leaf", required=True)
            p.add_argument("proof")
        else:
            p.add_argument("old_checkpoint")
            p.add_argument("new_checkpoint")
            p.add_argument("proof")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        vkey = load_vkey(args.vkey)
        origin = args.origin if args.origin is not None else vkey[0]
        if args.cmd == "checkpoint":
            o, size, root = verified_checkpoint(read_file(args.checkpoint), vkey, origin)
            print("OK checkpoint %s size %d root %s" % (o, size, root.hex()))
        elif args.cmd == "tiles":
            headers = {}
            for h in args.header:
                name, sep, value = h.partition(":")
                if not sep:
                    raise VerifyError("--header takes Name: value")
                headers[name.strip()] = value.strip()
            fetcher = TileFetcher(args.prefix, headers)
            _, size, root = verified_checkpoint(fetcher.get("checkpoint"), vkey, origin)
            if root_from_tiles(fetcher, size) != root:
                raise VerifyError("the tiles do not lead to the checkpoint's root")
            if args.entries:
                check_entries(fetcher, size)
            print("OK tree of size %d rebuilt from %d tiles%s" %
                  (size, len(fetcher.cache) - 1, " with its entries" if args.entries else ""))
        elif args.cmd == "inclusion":
            index, hashes, cp_note = parse_tlog_proof(read_file(args.proof))
            _, size, root = verified_checkpoint(cp_note, vkey, origin)
            got = root_from_inclusion(index, size, leaf_hash(read_file(args.leaf)), hashes)
            if got != root:
                raise VerifyError("inclusion proof does not lead to the checkpoint's root")
            print("OK leaf %d included in tree of size %d" % (index, size))
        else:
            _, size1, root1 = verified_checkpoint(read_file(args.old_checkpoint), vkey, origin)
            _, size2, root2 = verified_checkpoint(read_file(args.new_checkpoint), vkey, origin)
            raw = read_file(args.proof).decode()
            hashes = [b64decode_strict(l) for l in raw.split("\n") if l != ""]
            if any(len(h) != 32 for h in hashes):
                raise VerifyError("proof hash is not 32 bytes")
            verify_consistency(size1, size2, root1, root2, hashes)
            print("OK tree of size %d extends tree of size %d" % (size2, size1))
    except VerifyError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
