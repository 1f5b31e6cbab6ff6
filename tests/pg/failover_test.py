#!/usr/bin/env python3
"""Failover of the PostgreSQL store: nothing acknowledged is lost.

A primary and a synchronous streaming standby (pg_basebackup, with
synchronous_commit = remote_apply) hold the vault; one `custos serve` node
reaches them through a two-host libpq URL with
target_session_attrs=read-write. The author creates files through the node,
and views them from a second session, while the primary is killed
(immediate stop) and the standby promoted. Then:

  * every file whose creation was acknowledged (201) is there, read through
    the same node, which reconnected to the new primary by itself;
  * every view that was acknowledged (200) has its event in the log, at the
    sequence number the view's answer gave. (A batch of views lets the
    writers' lock go before its commit is flushed and is acknowledged only
    after a barrier the standby has applied: pg_store.cc.)
  * the node goes on serving writes on the new primary;
  * `custos audit verify` passes on the promoted database, and the log
    extends the checkpoint signed before the failover.

Python 3 standard library; the PostgreSQL server binaries (scripts/setup.sh).

  failover_test.py --custos build/cli/custos
"""

import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crash"))
import serve_crash_test as crash  # noqa: E402  (Custos, Server, Client, check, Failure)

BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1] if glob.glob(
    "/usr/lib/postgresql/*/bin") else None
AS_PG = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pg(*args, check=True):
    return subprocess.run(AS_PG + list(args), check=check, stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=120)


def start(data, port, log):
    pg(BIN + "/pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o",
       "-p %d -k %s -c listen_addresses=127.0.0.1" % (port, os.path.dirname(data)), "start")


def psql(port, sql):
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-At",
                          "-c", sql], check=True, capture_output=True, timeout=60)
    return out.stdout.decode().strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--custos", required=True)
    args = ap.parse_args()
    crash.check(BIN is not None, "PostgreSQL's server is not installed (scripts/setup.sh)")
    # Under /tmp, which the postgres user can always reach.
    work = tempfile.mkdtemp(prefix="custos-failover-", dir="/tmp")
    if os.getuid() == 0:
        shutil.chown(work, "postgres")
    primary, standby = os.path.join(work, "primary"), os.path.join(work, "standby")
    p1, p2 = free_port(), free_port()
    server = None
    ok = False
    try:
        pg(BIN + "/initdb", "-D", primary, "-A", "trust", "-U", "postgres", "-E", "UTF8",
           "--locale=C", "--no-sync")
        with open(os.path.join(primary, "postgresql.conf"), "a") as f:
            # Acknowledged only once the standby has applied it.
            f.write("synchronous_standby_names = '*'\nsynchronous_commit = remote_apply\n")
            # PostgreSQL's own background flush of commits that did not wait
            # for theirs (early-released views) as rare as it goes, so that
            # only Custos's barrier makes them durable before they are
            # acknowledged: without it, this test loses views.
            f.write("wal_writer_delay = 10s\nwal_writer_flush_after = 1GB\n")
        start(primary, p1, os.path.join(work, "primary.log"))
        pg(BIN + "/pg_basebackup", "-D", standby, "-R", "-h", "127.0.0.1", "-p", str(p1), "-U",
           "postgres", "-X", "stream")
        start(standby, p2, os.path.join(work, "standby.log"))
        deadline = time.monotonic() + 60
        while psql(p1, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") != "1":
            crash.check(time.monotonic() < deadline, "the standby did not become synchronous")
            time.sleep(0.2)

        url = ("postgresql://postgres@127.0.0.1:%d,127.0.0.1:%d/postgres"
               "?target_session_attrs=read-write" % (p1, p2))
        custos = crash.Custos(os.path.abspath(args.custos), os.path.join(work, "unused"), url)
        custos.must("demo", "--kdf-profile", "test", "--customers", "5")
        before = custos.must("audit", "checkpoint")  # signed before the failover
        with open(os.path.join(work, "before.checkpoint"), "w") as f:
            f.write(before)
        server = crash.Server(custos)
        author = crash.Client(server.port, "author")

        acknowledged, failed = [], 0
        stop = threading.Event()

        # No files are created in the last half second before the kill:
        # their commits would flush the views' before them.
        creating = threading.Event()
        creating.set()

        def create():
            nonlocal failed
            i = 0
            while not stop.is_set():
                if not creating.wait(0.05):
                    continue
                i += 1
                try:
                    status, body = author.call("POST", "/api/v1/records", {
                        "name": "切换测试客户 %d" % i, "classification": "internal",
                        "reason": "failover test", "content": {"notes": "n"}})
                except OSError:
                    author.conn.close()
                    failed += 1
                    continue
                if status == 201:
                    acknowledged.append(crash.json.loads(body)["record"]["id"])
                else:
                    failed += 1

        viewer = crash.Client(server.port, "author")
        views = []  # (record, audit seq) acknowledged
        view_failed = 0

        def view():
            nonlocal view_failed
            i = 0
            while not stop.is_set():
                if not acknowledged:
                    time.sleep(0.01)
                    continue
                i += 1
                rid = acknowledged[i % len(acknowledged)]
                try:
                    status, body = viewer.call("POST", "/api/v1/records/%s/view" % rid,
                                               {"reason": "failover test view %d" % i})
                except OSError:
                    viewer.conn.close()
                    view_failed += 1
                    continue
                if status == 200:
                    views.append((rid, crash.json.loads(body)["watermark"]["audit_seq"]))
                else:
                    view_failed += 1

        writer = threading.Thread(target=create)
        writer.start()
        reader = threading.Thread(target=view)
        reader.start()
        time.sleep(1.0)
        creating.clear()
        time.sleep(0.5)
        pg(BIN + "/pg_ctl", "-D", primary, "-m", "immediate", "-w", "stop")
        creating.set()
        killed_at = len(acknowledged)
        views_at_kill = len(views)
        pg(BIN + "/pg_ctl", "-D", standby, "-w", "promote")
        # The promoted standby has no standby of its own yet: it must not
        # wait for one (an operator would attach a new standby).
        psql(p2, "ALTER SYSTEM SET synchronous_standby_names = ''")
        psql(p2, "SELECT pg_reload_conf()")
        # Writes go on through the same node, on the promoted standby.
        deadline = time.monotonic() + 60
        while len(acknowledged) < killed_at + 20:
            crash.check(time.monotonic() < deadline,
                        "no write succeeded after the failover:\n" + server.log()[-3000:])
            time.sleep(0.2)
        deadline = time.monotonic() + 60
        while len(views) < views_at_kill + 20:
            crash.check(time.monotonic() < deadline,
                        "no view succeeded after the failover:\n" + server.log()[-3000:])
            time.sleep(0.2)
        stop.set()
        writer.join()
        reader.join()

        for rid in acknowledged:
            status, body = author.call("GET", "/api/v1/records/%s" % rid)
            crash.check(status == 200, "acknowledged file %s is missing after the failover: %d %s"
                        % (rid, status, body[:200]))
        events = crash.read_log(custos)
        for rid, seq in views:
            crash.expect_event(events, seq, "record.view", rid, "acknowledged view of " + rid)
        crash.check(server.stop() == 0, "serve did not stop cleanly:\n" + server.log())
        server = None
        rc, out, err = custos.run("audit", "verify", "--against",
                                  os.path.join(work, "before.checkpoint"))
        crash.check(rc == 0, "audit verify after the failover failed:\n%s%s" % (out, err))
        print("PASS: %d files acknowledged (%d before the primary was killed), %d requests "
              "failed during the failover, all present on the promoted standby; %d views "
              "acknowledged (%d before), %d failed, every one in the log; %s" %
              (len(acknowledged), killed_at, failed, len(views), views_at_kill, view_failed,
               out.strip().splitlines()[-1]))
        ok = True
    except crash.Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
    finally:
        if server is not None and server.proc.poll() is None:
            server.kill9()
        for d in (primary, standby):
            if os.path.exists(os.path.join(d, "postmaster.pid")):
                pg(BIN + "/pg_ctl", "-D", d, "-m", "immediate", "stop", check=False)
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("clusters kept in %s" % work, file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
