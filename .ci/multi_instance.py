"""The multi-instance drill (issue 17 item 4), run by .ci/multi-instance.sh.

Three `rogatory serve` processes share one fresh PostgreSQL database (same ROGATORY_PUBLIC_URL,
same ROGATORY_KEY_ENCRYPTION_KEY, nothing else in common) behind HAProxy; mail goes to a real
SMTP server (aiosmtpd) over TCP and webhooks to a receiver of this script. It

1. runs a request's whole history through the proxy, uploading evidence through instance 1 and
   downloading it through instance 2 and through the proxy, checking every digest;
2. takes a token from each instance and uses it on every other;
3. measures throughput of a fixed read/write mix through the proxy with 1, 2 and 3 instances;
4. runs a write load through the proxy and SIGKILLs instance 2 in the middle of it;
5. checks: every acknowledged (2xx) write is there, every attachment digest is intact, every
   notification was delivered exactly once (e-mails per request in the SMTP sink, webhook
   deliveries per event at the receiver, once the job queue has drained), and every request's
   audit chain is intact.

Exits non-zero, naming what failed, when any check fails. PostgreSQL is never restarted.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

BIN = os.path.abspath(sys.argv[1])
PG = os.environ.get("TEST_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
WORK = tempfile.mkdtemp(prefix="rogatory-multi-")
LOAD_SECS = float(os.environ.get("DRILL_LOAD_SECS", "20"))
BENCH_SECS = float(os.environ.get("DRILL_BENCH_SECS", "10"))
CLIENTS = int(os.environ.get("DRILL_CLIENTS", "8"))
failures: list[str] = []


def log(text: str) -> None:
    print(f"multi-instance: {text}", flush=True)


def check(ok: bool, what: str) -> bool:
    if not ok:
        failures.append(what)
        log(f"FAILED: {what}")
    return ok


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port: int, what: str, timeout: float = 30) -> None:
    started = time.time()
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.time() - started > timeout:
                raise SystemExit(f"multi-instance: {what} did not start on port {port}")
            time.sleep(0.05)


# --- the database ----------------------------------------------------------------------------
DB_NAME = f"rogatory_multi_{os.getpid()}_{secrets.token_hex(3)}"
pg_base, _ = PG.rsplit("/", 1)
DATABASE_URL = f"{pg_base}/{DB_NAME}"
subprocess.run(["psql", PG, "-q", "-c", f'CREATE DATABASE "{DB_NAME}"'], check=True)

PROXY_PORT = free_port()
PUBLIC_URL = f"http://127.0.0.1:{PROXY_PORT}"
KEK = base64.b64encode(secrets.token_bytes(32)).decode()
SMTP_PORT = free_port()
HOOK_PORT = free_port()
MAILDIR = os.path.join(WORK, "maildir")

ENV = dict(
    os.environ,
    DATABASE_URL=DATABASE_URL,
    ROGATORY_PUBLIC_URL=PUBLIC_URL,
    ROGATORY_KEY_ENCRYPTION_KEY=KEK,
    ROGATORY_KEY_POLL_SECS="2",
    ROGATORY_SMTP_URL=f"smtp://127.0.0.1:{SMTP_PORT}",
    ROGATORY_WEBHOOK_ALLOW_PRIVATE="1",
    ROGATORY_TRUSTED_PROXIES="127.0.0.1",
    ROGATORY_JOB_POLL_MS="200",
    ROGATORY_DB_POOL_SIZE="8",
    RUST_LOG="warn",
)

processes: list[subprocess.Popen] = []


def start(args: list[str], **kwargs) -> subprocess.Popen:
    p = subprocess.Popen(args, **kwargs)
    processes.append(p)
    return p


# --- SMTP sink and webhook receiver -----------------------------------------------------------
start([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{SMTP_PORT}", "-c", "aiosmtpd.handlers.Mailbox", MAILDIR],
      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wait_port(SMTP_PORT, "aiosmtpd")

deliveries: list[tuple[str, dict]] = []
deliveries_lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with deliveries_lock:
            deliveries.append((self.headers.get("webhook-id", ""), json.loads(body or b"{}")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


hook_server = http.server.ThreadingHTTPServer(("127.0.0.1", HOOK_PORT), Receiver)
threading.Thread(target=hook_server.serve_forever, daemon=True).start()

# --- three instances and the proxy ------------------------------------------------------------
subprocess.run([BIN, "migrate"], env=ENV, check=True, capture_output=True)
demo = json.loads(subprocess.run([BIN, "demo"], env=ENV, check=True, capture_output=True).stdout)

PORTS = [free_port() for _ in range(3)]
instances: list[subprocess.Popen | None] = []
for i, port in enumerate(PORTS):
    data = os.path.join(WORK, f"data{i + 1}")
    env = dict(ENV, ROGATORY_LISTEN=f"127.0.0.1:{port}", ROGATORY_DATA_DIR=data)
    err = open(os.path.join(WORK, f"instance{i + 1}.log"), "wb")
    instances.append(start([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=err))
for port in PORTS:
    wait_port(port, "rogatory serve")

HAPROXY_CFG = os.path.join(WORK, "haproxy.cfg")


def haproxy_config(ports: list[int]) -> str:
    """The configuration the README shows (with this drill's ports)."""
    servers = "\n".join(
        f"    server rogatory{i + 1} 127.0.0.1:{p} check inter 500 fall 2 rise 2" for i, p in enumerate(ports))
    return f"""global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch

frontend rogatory
    bind 127.0.0.1:{PROXY_PORT}
    option forwardfor
    default_backend instances

backend instances
    balance roundrobin
    option httpchk GET /readyz
{servers}
"""


haproxy: subprocess.Popen | None = None


def start_proxy(ports: list[int]) -> None:
    global haproxy
    if haproxy is not None:
        haproxy.terminate()
        haproxy.wait()
    with open(HAPROXY_CFG, "w") as f:
        f.write(haproxy_config(ports))
    haproxy = start(["haproxy", "-db", "-f", HAPROXY_CFG], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(PROXY_PORT, "haproxy")
    # Until the health checks have passed, a server counts as up: wait for every one to answer.
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            seen = {call("GET", "/readyz")[0] for _ in range(len(ports) * 2)}
            if seen == {200}:
                return
        except Exception:
            pass
        time.sleep(0.2)


# --- HTTP -------------------------------------------------------------------------------------
def call(method: str, path: str, token: str | None = None, body=None, raw: bytes | None = None,
         base: str = PUBLIC_URL, headers: dict | None = None, timeout: float = 30):
    """(status, parsed body or bytes, headers)."""
    h = dict(headers or {})
    data = None
    if token:
        h["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if raw is not None:
        data = raw
        h.setdefault("Content-Type", "application/octet-stream")
    req = urllib.request.Request(base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, payload, rh = r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        status, payload, rh = e.code, e.read(), e.headers
    ctype = rh.get("content-type", "") if rh else ""
    answer = json.loads(payload) if "json" in ctype and payload else payload
    return status, answer, rh


def direct(i: int) -> str:
    return f"http://127.0.0.1:{PORTS[i]}"


def token(name: str, base: str = PUBLIC_URL) -> str:
    c = demo[name]
    basic = base64.b64encode(f"{c['client_id']}:{c['client_secret']}".encode()).decode()
    req = urllib.request.Request(base + "/v1/oauth/token", data=b"grant_type=client_credentials",
                                 headers={"Authorization": f"Basic {basic}",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    return json.loads(urllib.request.urlopen(req, timeout=30).read())["access_token"]


def kid(tok: str) -> str:
    header = tok.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def repr_digest(headers) -> str:
    value = headers.get("repr-digest", "")
    return base64.b64decode(value.split("=:", 1)[1].rstrip(":")).hex() if "=:" in value else ""


FR, DE, ADMIN = "fr_24_7", "de_24_7", "exchange_admin"
PRESERVATION = {
    "legal_basis": "coe_budapest_29", "addressee": {"country": "DE"},
    "content": {"issuing_authority": "OCLCTIC", "offences": ["Trafficking in human beings"],
                "facts_summary": "Recruitment through fake job offers.",
                "targets": [{"type": "email", "value": "x@example-mail.de"}],
                "data_categories": ["subscriber", "traffic"], "custodian": "Example Mail GmbH",
                "preservation_necessity": "Logs kept 90 days.", "mla_intent": True}}

submitted: dict[str, str] = {}   # request id -> reference, for every acknowledged submission
drafts: set[str] = set()         # every acknowledged draft
attachments: dict[str, tuple[str, str]] = {}  # attachment id -> (request id, sha-256 hex)
results_lock = threading.Lock()

try:
    start_proxy(PORTS)
    log(f"3 instances on ports {PORTS} behind HAProxy on {PROXY_PORT}, database {DB_NAME}")
    TOKENS = {name: token(name) for name in (FR, DE, ADMIN)}

    # --- 1. the scenario through the proxy, evidence across instances -------------------------
    status, hook, _ = call("POST", "/v1/webhooks", TOKENS[DE], {
        "url": f"http://127.0.0.1:{HOOK_PORT}/hooks", "event_types": ["request.submitted"]})
    check(status == 201, f"create the webhook: {status} {hook}")
    status, r, _ = call("POST", "/v1/requests", TOKENS[FR], PRESERVATION, headers={"Idempotency-Key": "drill-1"})
    check(status == 201, f"create the request: {status} {r}")
    rid = r["id"]
    check(call("POST", f"/v1/requests/{rid}/submit", TOKENS[FR])[0] == 200, "submit")
    submitted[rid] = r["reference"]
    check(call("POST", f"/v1/requests/{rid}/acknowledge", TOKENS[DE])[0] == 200, "acknowledge")
    evidence = [(b"%PDF-1.7 preserved records\n" + secrets.token_bytes(300_000), "records.pdf", "application/pdf"),
                (json.dumps({"subscriber": "x@example-mail.de"}).encode(), "subscriber.json", "application/json"),
                (secrets.token_bytes(2_500_000), "traffic.bin", "application/octet-stream")]
    ids = []
    de_on_1 = token(DE, direct(0))
    for content, name, media in evidence:
        status, att, headers = call("POST", f"/v1/requests/{rid}/attachments?file_name={name}", de_on_1, raw=content,
                                    base=direct(0), headers={"Content-Type": media})
        if not check(status == 201, f"upload {name} through instance 1: {status} {att}"):
            continue
        digest = hashlib.sha256(content).hexdigest()
        check(att["sha256"] == digest, f"{name}: recorded digest")
        attachments[att["id"]] = (rid, digest)
        ids.append(att["id"])
    fr_on_2 = token(FR, direct(1))
    for att_id, (_, digest) in attachments.items():
        for base, where in ((direct(1), "instance 2"), (PUBLIC_URL, "the proxy")):
            tok = fr_on_2 if base != PUBLIC_URL else TOKENS[FR]
            status, body, headers = call("GET", f"/v1/attachments/{att_id}", tok, base=base)
            ok = status == 200 and hashlib.sha256(body).hexdigest() == digest and repr_digest(headers) == digest
            check(ok, f"attachment {att_id} uploaded through instance 1, downloaded through {where}: {status} "
                      f"{body[:200] if isinstance(body, bytes) and status != 200 else ''!r} (is the attachment store "
                      f"shared? ROGATORY_ATTACHMENT_STORE=postgres, issue 17 item 1)")
    status, resp, _ = call("POST", f"/v1/requests/{rid}/responses", TOKENS[DE],
                           {"outcome": "preserved", "text": "Preserved.", "attachments": ids})
    check(status in (200, 201), f"respond with the attachments: {status} {resp}")
    status, events, _ = call("GET", f"/v1/requests/{rid}/events", TOKENS[FR])
    cited = {a["id"]: a["sha256"] for a in events["items"][-1]["data"].get("attachments", [])} if status == 200 else {}
    check(all(cited.get(a) == d for a, (_, d) in attachments.items()), f"the response event cites each digest: {cited}")
    status, verdict, _ = call("GET", f"/v1/requests/{rid}/audit", TOKENS[FR])
    check(status == 200 and verdict.get("status") == "intact", f"audit of the scenario: {status} {verdict}")
    log(f"scenario: request {r['reference']}, {len(attachments)} attachments up through instance 1, down through 2")

    # --- 2. tokens from each instance, accepted by every instance -----------------------------
    per_instance = [token(FR, direct(i)) for i in range(3)]
    check(len({kid(t) for t in per_instance}) == 1, "one signing key for all instances")
    for i, tok in enumerate(per_instance):
        for j in range(3):
            status = call("GET", "/v1/me", tok, base=direct(j))[0]
            check(status == 200, f"a token of instance {i + 1} on instance {j + 1}: {status}")
    check(len({json.dumps(call("GET", "/.well-known/jwks.json", base=direct(i))[1], sort_keys=True)
               for i in range(3)}) == 1, "one JWKS")
    log("tokens: each instance's token accepted by all three")

    # --- 3. throughput with 1, 2 and 3 instances ----------------------------------------------
    def mix_worker(stop: float, counts: Counter, tok: str, seed_id: str) -> None:
        n = 0
        while time.time() < stop:
            n += 1
            try:
                if n % 3 == 0:
                    status = call("POST", "/v1/requests", tok, PRESERVATION)[0]
                    counts["write" if status == 201 else f"error {status}"] += 1
                elif n % 3 == 1:
                    status = call("GET", "/v1/requests?limit=10", tok)[0]
                    counts["read" if status == 200 else f"error {status}"] += 1
                else:
                    status = call("GET", f"/v1/requests/{seed_id}", tok)[0]
                    counts["read" if status == 200 else f"error {status}"] += 1
            except Exception as e:  # noqa: BLE001 - counted, not fatal here
                counts[f"error {type(e).__name__}"] += 1

    figures = []
    for k in (1, 2, 3):
        start_proxy(PORTS[:k])
        counts: Counter = Counter()
        stop = time.time() + BENCH_SECS
        threads = [threading.Thread(target=mix_worker, args=(stop, counts, TOKENS[FR], rid)) for _ in range(CLIENTS)]
        began = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - began
        ok = counts["read"] + counts["write"]
        errors = sum(v for key, v in counts.items() if key.startswith("error"))
        figures.append((k, ok / elapsed, counts["read"] / elapsed, counts["write"] / elapsed, errors))
        check(errors == 0, f"throughput run with {k} instance(s): errors {dict(counts)}")
    start_proxy(PORTS)
    log(f"throughput, {CLIENTS} clients, {BENCH_SECS:.0f} s each, 2 reads : 1 write (create a draft):")
    for k, total, reads, writes, errors in figures:
        log(f"  {k} instance(s): {total:7.1f} requests/s ({reads:6.1f} reads/s, {writes:6.1f} writes/s), {errors} errors")

    # --- 4. a write load through the proxy; instance 2 SIGKILLed in the middle -----------------
    counts = Counter()
    key_base = secrets.token_hex(4)

    def load_worker(w: int, stop: float) -> None:
        n = 0
        while time.time() < stop:
            n += 1
            try:
                key = {"Idempotency-Key": f"load-{key_base}-{w}-{n}"}
                try:
                    status, r, _ = call("POST", "/v1/requests", TOKENS[FR], PRESERVATION, headers=key, timeout=15)
                except OSError:
                    status = 0
                if status in (0, 502, 503, 504):
                    # No answer (the instance died under it): the same key again, on another instance.
                    counts[f"create retried after {status}"] += 1
                    time.sleep(0.5)
                    status, r, _ = call("POST", "/v1/requests", TOKENS[FR], PRESERVATION, headers=key, timeout=15)
                if status != 201:
                    counts[f"create {status}"] += 1
                    continue
                with results_lock:
                    drafts.add(r["id"])
                status, s, _ = call("POST", f"/v1/requests/{r['id']}/submit", TOKENS[FR], timeout=15)
                if status == 200:
                    with results_lock:
                        submitted[r["id"]] = s["reference"]
                    counts["submitted"] += 1
                else:
                    counts[f"submit {status}"] += 1
                if n % 4 == 0:
                    content = secrets.token_bytes(20_000 + n)
                    status, att, _ = call("POST", f"/v1/requests/{r['id']}/attachments?file_name=l{n}.bin",
                                          TOKENS[FR], raw=content, timeout=15)
                    if status == 201:
                        with results_lock:
                            attachments[att["id"]] = (r["id"], hashlib.sha256(content).hexdigest())
                    else:
                        counts[f"upload {status}"] += 1
            except Exception as e:  # noqa: BLE001 - an unacknowledged write is allowed to be lost
                counts[f"error {type(e).__name__}"] += 1

    stop = time.time() + LOAD_SECS
    threads = [threading.Thread(target=load_worker, args=(w, stop)) for w in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(LOAD_SECS / 2)
    victim = instances[1]
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    log(f"SIGKILLed instance 2 (pid {victim.pid}) {LOAD_SECS / 2:.0f} s into the load")
    for t in threads:
        t.join()
    log(f"load: {len(drafts)} drafts and {len(submitted)} submissions acknowledged; other outcomes {dict(counts)}")
    check(len(submitted) > 10, "the load acknowledged writes")

    # --- 5. the checks ------------------------------------------------------------------------
    missing = [i for i in sorted(drafts | set(submitted)) if call("GET", f"/v1/requests/{i}", TOKENS[FR])[0] != 200]
    check(not missing, f"every acknowledged write is there: missing {missing[:10]}")
    wrong_status = [i for i in submitted if call("GET", f"/v1/requests/{i}", TOKENS[FR])[1].get("status")
                    not in ("submitted", "acknowledged", "preserved", "completed")]
    check(not wrong_status, f"every acknowledged submission is submitted: {wrong_status[:10]}")
    bad_digest = []
    for att_id, (_, digest) in attachments.items():
        status, body, headers = call("GET", f"/v1/attachments/{att_id}", TOKENS[FR])
        if status != 200 or hashlib.sha256(body).hexdigest() != digest or repr_digest(headers) != digest:
            bad_digest.append((att_id, status))
    check(not bad_digest, f"every attachment digest intact ({len(attachments)}): {bad_digest[:10]}")
    broken = []
    for i in sorted(drafts | set(submitted)):
        status, verdict, _ = call("GET", f"/v1/requests/{i}/audit", TOKENS[FR])
        if status != 200 or verdict.get("status") != "intact":
            broken.append((i, status, verdict))
    check(not broken, f"GET /v1/requests/{{id}}/audit intact for all {len(drafts | set(submitted))}: {broken[:5]}")

    # The worker queue drains (instances 1 and 3; a job instance 2 held comes back with its lease).
    drained = False
    deadline = time.time() + 180
    while time.time() < deadline:
        pending = sum(len(call("GET", f"/v1/admin/jobs?state={s}&limit=200", TOKENS[ADMIN])[1].get("items", []))
                      for s in ("queued", "running"))
        if pending == 0:
            drained = True
            break
        time.sleep(1)
    check(drained, "the job queue drains")
    dead = call("GET", "/v1/admin/jobs?state=dead&limit=200", TOKENS[ADMIN])[1].get("items", [])
    check(not dead, f"no dead jobs: {dead[:3]}")

    de_party = demo[DE]["party_id"]
    de_addresses = set(call("GET", f"/v1/parties/{de_party}", TOKENS[DE])[1].get("notification_emails", []))
    check(bool(de_addresses), "Germany's 24/7 point has notification addresses")
    mails: dict[str, set] = {}
    resent = 0
    for folder in ("new", "cur"):
        path = os.path.join(MAILDIR, folder)
        for name in os.listdir(path) if os.path.isdir(path) else []:
            with open(os.path.join(path, name), "rb") as f:
                message = email.message_from_binary_file(f, policy=email.policy.default)
            to = {a.addr_spec for a in message["to"].addresses} if message["to"] else set()
            subject = str(message["subject"])
            if to & de_addresses and "] " in subject:
                ids_seen = mails.setdefault(subject.split("] ", 1)[1].split(":", 1)[0], set())
                resent += str(message["message-id"]) in ids_seen
                ids_seen.add(str(message["message-id"]))
    # One message per submission: one Message-ID (the job's, the same at every attempt). A job
    # whose instance was SIGKILLed after its SMTP transaction and before its commit is sent again
    # by another instance when its lease ends: the same message again, counted apart.
    per_reference = {ref: len(mails.get(ref, ())) for ref in submitted.values()}
    not_once = {ref: n for ref, n in per_reference.items() if n != 1}
    check(not not_once, f"one e-mail per submission to Germany's 24/7 point ({len(per_reference)}): {not_once}")
    log(f"e-mails: {len(per_reference)} messages, one per submission; {resent} sent a second time with the same "
        f"Message-ID (an instance killed between the SMTP transaction and the job's commit)")
    with deliveries_lock:
        by_id = Counter(d[0] for d in deliveries)
        by_event: dict[str, set] = {}
        for hook_id, body in deliveries:
            if body.get("type") == "request.submitted":
                by_event.setdefault((body.get("data") or {}).get("request_id"), set()).add(hook_id)
    # As for e-mails: one delivery per submission, one webhook-id; a resend after a SIGKILL
    # between the POST and the job's commit carries the same webhook-id (what receivers
    # deduplicate on, Standard Webhooks) and is counted apart.
    resent_hooks = sum(n - 1 for n in by_id.values())
    not_once = {i: len(by_event.get(i, ())) for i in submitted if len(by_event.get(i, ())) != 1}
    check(not not_once, f"one request.submitted delivery (one webhook-id) per submission ({len(submitted)}): "
                        f"{list(not_once.items())[:5]}")
    log(f"webhooks: one webhook-id per acknowledged submission; {resent_hooks} delivered a second time with the "
        f"same webhook-id (an instance killed between the POST and the job's commit)")
    log(f"notifications: {sum(per_reference.values())} e-mail messages and {len(by_id)} webhook-ids "
        f"for {len(submitted)} acknowledged submissions (a submission whose answer the SIGKILL cut off may "
        f"have committed, and is notified too)")
finally:
    for p in reversed(processes):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    hook_server.shutdown()
    subprocess.run(["psql", PG, "-q", "-c", f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'], check=False)
    if failures:
        for i in range(3):
            text = open(os.path.join(WORK, f"instance{i + 1}.log"), "rb").read().decode(errors="replace")
            lines = [line for line in text.splitlines() if not line.startswith(" ")]
            if lines:
                print(f"--- instance {i + 1} stderr (last lines, backtraces left out) ---", file=sys.stderr)
                print("\n".join(lines[-15:]), file=sys.stderr)
    if os.environ.get("DRILL_KEEP"):
        log(f"kept {WORK}")
    else:
        shutil.rmtree(WORK, ignore_errors=True)

if failures:
    print(f"multi-instance: {len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
log("all checks passed")
