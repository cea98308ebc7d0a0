"""Captures the examples of openapi/examples.json from a real run of the binary.

Drives a realistic history through a server filled by `rogatory demo` (a French 24/7 point of
contact asking Germany's for a Budapest Art 29 preservation, a Paris prosecutor's European
Production Order to a platform with the Irish enforcing authority notified, ...), records each
operation's request and response bodies, and writes them keyed by operationId after replacing
ids, times, secrets and tokens by stable placeholders (so a re-capture gives a small diff).

    python3 tests/clients/examples/capture.py BINARY > openapi/examples.json

The spec generator (src/spec_examples.rs) merges them into the document; a test checks that
every operation has them and that each is valid against its schema.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BIN = sys.argv[1]
WORK = tempfile.mkdtemp(prefix="rogatory-examples-")


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


PORT = free_port()
URL = f"http://127.0.0.1:{PORT}"
ENV = dict(
    os.environ,
    DATABASE_URL=f"sqlite://{WORK}/rogatory.db",
    ROGATORY_DATA_DIR=f"{WORK}/data",
    ROGATORY_LISTEN=f"127.0.0.1:{PORT}",
    ROGATORY_PUBLIC_URL="https://rogatory.example.org",
    ROGATORY_WEBHOOK_ALLOW_PRIVATE="1",
    RUST_LOG="warn",
)
demo = json.loads(subprocess.run([BIN, "demo"], env=ENV, check=True, capture_output=True).stdout)
server = subprocess.Popen([BIN, "serve"], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(100):
    try:
        urllib.request.urlopen(URL + "/readyz")
        break
    except Exception:
        time.sleep(0.1)

captured: dict[str, dict] = {}


def call(op: str, method: str, path: str, who: str | None = None, body=None, raw: bytes | None = None,
         content_type: str | None = None, form: dict | None = None, keep: bool = True):
    headers = {}
    data = None
    if method == "PATCH":
        headers["If-Match"] = "*"
    if who:
        headers["Authorization"] = f"Bearer {TOKENS[who]}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if raw is not None:
        data = raw
        headers["Content-Type"] = content_type or "application/octet-stream"
    if form is not None:
        data = "&".join(f"{k}={v}" for k, v in form.items()).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(URL + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            status, payload, ctype = r.status, r.read(), r.headers.get("content-type", "")
    except urllib.error.HTTPError as e:
        # Not every operation fits this history; the generator falls back to schema examples.
        print(f"skipped {op}: {method} {path} -> {e.code} {e.read()[:300]!r}", file=sys.stderr)
        return {}
    answer = json.loads(payload) if "json" in ctype and payload else payload
    if keep and op not in captured:
        entry = {"status": status}
        if body is not None:
            entry["request"] = body
        if form is not None:
            entry["request"] = form
        if isinstance(answer, (dict, list)):
            entry["response"] = answer
        captured[op] = entry
    return answer


def token(name: str) -> str:
    c = demo[name]
    basic = base64.b64encode(f"{c['client_id']}:{c['client_secret']}".encode()).decode()
    req = urllib.request.Request(URL + "/v1/oauth/token", data=b"grant_type=client_credentials",
                                 headers={"Authorization": f"Basic {basic}",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    return json.loads(urllib.request.urlopen(req).read())["access_token"]


TOKENS = {name: token(name) for name in demo}
ADMIN, FR, DE, DE_CA, PROS, IE, PLAT = "exchange_admin", "fr_24_7", "de_24_7", "de_central", "fr_prosecutor", "ie_enforcing", "platform"

try:
    call("create_token", "POST", "/v1/oauth/token", form={
        "grant_type": "client_credentials", "client_id": demo[FR]["client_id"], "client_secret": demo[FR]["client_secret"]})
    call("get_jwks", "GET", "/.well-known/jwks.json")
    call("get_health", "GET", "/healthz")
    call("get_readiness", "GET", "/readyz")
    call("get_me", "GET", "/v1/me", FR)
    call("list_legal_bases", "GET", "/v1/legal-bases?request_kind=preservation", FR)
    call("get_legal_basis", "GET", "/v1/legal-bases/coe_budapest_29", FR)
    call("list_parties", "GET", "/v1/parties?limit=2", FR)
    fr_id, de_id = demo[FR]["party_id"], demo[DE]["party_id"]
    call("get_party", "GET", f"/v1/parties/{de_id}", FR)
    new_party = {"kind": "state_authority", "name": "Politie 24/7 point of contact", "country": "NL",
                 "designations": ["contact_point_24_7"], "accepted_legal_bases": ["coe_budapest_29", "coe_budapest_30"],
                 "languages": ["nl", "en"], "notification_emails": ["24-7@politie.example.nl"]}
    nl = call("create_party", "POST", "/v1/parties", ADMIN, new_party)
    call("verify_party", "POST", f"/v1/parties/{nl['id']}/verify", ADMIN)
    call("update_party", "PATCH", f"/v1/parties/{nl['id']}", ADMIN, {"languages": ["nl", "en", "fr"]})
    call("suspend_party", "POST", f"/v1/parties/{nl['id']}/suspend", ADMIN,
         {"reason": "The authority reported its client credentials as compromised."})
    call("reinstate_party", "POST", f"/v1/parties/{nl['id']}/reinstate", ADMIN)
    call("create_client", "POST", f"/v1/parties/{nl['id']}/clients", ADMIN,
         {"name": "Politie case system", "roles": ["operator", "responder"]})
    call("list_clients", "GET", f"/v1/parties/{nl['id']}/clients", ADMIN)
    call("set_clock_target", "PUT", f"/v1/parties/{de_id}/clock-targets/coe_budapest_29", DE,
         {"clock": "acknowledge", "duration": "PT12H"})
    call("list_clock_targets", "GET", f"/v1/parties/{de_id}/clock-targets", DE)
    hook = call("create_webhook", "POST", "/v1/webhooks", FR,
                {"url": "https://case-system.oclctic.example.fr/rogatory/hooks",
                 "event_types": ["request.acknowledged", "request.responded"], "description": "Case system"})
    call("list_webhooks", "GET", "/v1/webhooks", FR)
    call("test_webhook", "POST", f"/v1/webhooks/{hook['id']}/test", FR)

    preservation = {
        "legal_basis": "coe_budapest_29", "priority": "urgent", "addressee": {"country": "DE"},
        "content": {
            "issuing_authority": "OCLCTIC 24/7 point of contact, Nanterre",
            "offences": ["Trafficking in human beings (Code penal art. 225-4-1)"],
            "facts_summary": "Victims recruited through fake modelling offers sent from this mailbox, then exploited in Paris.",
            "targets": [{"type": "email", "value": "Recruiter.Jobs2026@Example-Mail.de"},
                        {"type": "ip", "value": "203.0.113.7", "timestamp": "2026-11-20T21:14:05Z", "port": 51234}],
            "data_categories": ["subscriber", "traffic"],
            "period": {"from": "2026-09-01T00:00:00Z", "to": "2026-11-29T00:00:00Z"},
            "custodian": "Example Mail GmbH, Berlin",
            "preservation_necessity": "The provider keeps connection logs for 90 days.",
            "mla_intent": True,
            "confidentiality": {"non_disclosure": True, "reason": "The suspects must not be alerted."}}}
    r = call("create_request", "POST", "/v1/requests", FR, {**preservation, "priority": "normal"})
    rid = r["id"]
    call("update_request", "PATCH", f"/v1/requests/{rid}", FR, {"priority": "urgent"})
    call("submit_request", "POST", f"/v1/requests/{rid}/submit", FR)
    call("acknowledge_request", "POST", f"/v1/requests/{rid}/acknowledge", DE)
    call("create_clarification", "POST", f"/v1/requests/{rid}/clarifications", DE,
         {"question": "Which time zone does the IP timestamp use?"})
    cid = captured["create_clarification"]["response"]["id"]
    call("answer_clarification", "POST", f"/v1/requests/{rid}/clarifications/{cid}/answer", FR,
         {"answer": "UTC, as the Z suffix says; the provider logs in UTC too."})
    call("list_clarifications", "GET", f"/v1/requests/{rid}/clarifications", FR)
    call("create_message", "POST", f"/v1/requests/{rid}/messages", DE,
         {"body": "The provider confirmed the mailbox exists; preservation is under way."})
    call("list_messages", "GET", f"/v1/requests/{rid}/messages", FR)
    records = b"timestamp,ip,port\n2026-11-20T21:14:05Z,203.0.113.7,51234\n"
    att = call("upload_attachment", "POST", f"/v1/requests/{rid}/attachments?file_name=preserved-records.csv", DE,
               raw=records, content_type="text/csv")
    call("list_attachments", "GET", f"/v1/requests/{rid}/attachments", FR)
    call("respond_to_request", "POST", f"/v1/requests/{rid}/responses", DE,
         {"outcome": "preserved", "text": "Subscriber and traffic data preserved for 90 days.", "attachments": [att["id"]]})
    call("get_request", "GET", f"/v1/requests/{rid}", FR)
    call("list_requests", "GET", "/v1/requests?direction=outgoing&limit=1", FR)
    call("list_request_events", "GET", f"/v1/requests/{rid}/events?limit=3", FR)
    call("list_request_clocks", "GET", f"/v1/requests/{rid}/clocks", FR)
    call("get_request_audit", "GET", f"/v1/requests/{rid}/audit", FR)
    call("get_request_document", "GET", f"/v1/requests/{rid}/document", FR)
    call("export_request_audit", "GET", f"/v1/requests/{rid}/audit/export", FR)
    call("release_preservation", "POST", f"/v1/requests/{rid}/release", FR)
    call("list_notifications", "GET", "/v1/notifications?limit=2", FR)
    call("list_webhook_deliveries", "GET", f"/v1/webhooks/{hook['id']}/deliveries?limit=2", FR)
    call("list_jobs", "GET", "/v1/admin/jobs?limit=2", ADMIN)

    # A second preservation, withdrawn; a third, forwarded to Germany's central authority.
    other = call("create_request", "POST", "/v1/requests", FR, preservation, keep=False)
    call("submit_request", "POST", f"/v1/requests/{other['id']}/submit", FR, keep=False)
    call("withdraw_request", "POST", f"/v1/requests/{other['id']}/withdraw", FR,
         {"reason": "The suspect was arrested; the data were seized on his devices."})
    third = call("create_request", "POST", "/v1/requests", FR, preservation, keep=False)
    call("submit_request", "POST", f"/v1/requests/{third['id']}/submit", FR, keep=False)
    call("forward_request", "POST", f"/v1/requests/{third['id']}/forward", DE,
         {"to": {"party_id": demo[DE_CA]["party_id"]}, "reason": "Stored content needs a mutual legal assistance request."})

    # A European Production Order for content data (Reg. 2023/1543): the Irish enforcing
    # authority is notified, the platform's answer is held, the authority objects to a second one
    # and confirms no ground for the first.
    order = {"legal_basis": "eu_epoc", "addressee": {"party_id": demo[PLAT]["party_id"]}, "content": {
        "issuing_authority": "Parquet de Paris, J3 cybercriminalite", "issuing_file_number": "PARQUET-2026-118842",
        "validating_authority": "Juge des libertes et de la detention, Paris",
        "offences": ["Trafficking in human beings"],
        "targets": [{"type": "username", "value": "model.scout.paris", "service": "Example Social"}],
        "data_categories": ["content"], "recipient_authority": "Parquet de Paris, J3 cybercriminalite"}}
    epoc = call("create_request", "POST", "/v1/requests", PROS, order, keep=False)
    call("submit_request", "POST", f"/v1/requests/{epoc['id']}/submit", PROS, keep=False)
    call("respond_to_request", "POST", f"/v1/requests/{epoc['id']}/responses", PLAT,
         {"outcome": "fulfilled", "text": "Messages of the account attached."}, keep=False)
    call("confirm_no_grounds", "POST", f"/v1/requests/{epoc['id']}/no-grounds", IE)
    second = call("create_request", "POST", "/v1/requests", PROS, order, keep=False)
    call("submit_request", "POST", f"/v1/requests/{second['id']}/submit", PROS, keep=False)
    call("object_to_request", "POST", f"/v1/requests/{second['id']}/objection", IE,
         {"reason": "fundamental_rights", "text": "The messages are covered by journalistic privilege (Art 12(1)(a))."})
    # A European Preservation Order, preserved, extended and then confirmed as followed up.
    pr = {**order, "legal_basis": "eu_epoc_pr", "content": {**order["content"], "data_categories": ["subscriber", "traffic"]}}
    del pr["content"]["validating_authority"], pr["content"]["recipient_authority"]
    epoc_pr = call("create_request", "POST", "/v1/requests", PROS, pr, keep=False)
    call("submit_request", "POST", f"/v1/requests/{epoc_pr['id']}/submit", PROS, keep=False)
    call("respond_to_request", "POST", f"/v1/requests/{epoc_pr['id']}/responses", PLAT,
         {"outcome": "preserved", "text": "Subscriber and traffic data preserved."}, keep=False)
    call("extend_preservation", "POST", f"/v1/requests/{epoc_pr['id']}/extend", PROS,
         {"reason": "The production order is being validated."})
    call("confirm_follow_up", "POST", f"/v1/requests/{epoc_pr['id']}/follow-up-confirmation", PROS,
         {"reference": "EPOC PARQUET-2026-118842-2 via e-Evidence, 2026-12-20"})
finally:
    server.terminate()

# Lists keep their first two items: enough to show the shape.
for entry in captured.values():
    answer = entry.get("response")
    if isinstance(answer, dict) and isinstance(answer.get("items"), list):
        answer["items"] = answer["items"][:2]

# Stable placeholders: the first id seen becomes ...0001, and so on; times keep their order.
text = json.dumps(captured, sort_keys=True)
ids: dict[str, str] = {}
for u in re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text):
    ids.setdefault(u, f"0193a1c4-5e6f-7a80-9b1c-{len(ids) + 1:012x}")
for real, fake in ids.items():
    text = text.replace(real, fake)
for secret in re.findall(r"(rgs_[A-Za-z0-9_-]+|whsec_[A-Za-z0-9+/=]+|eyJ[A-Za-z0-9_.-]+)", text):
    text = text.replace(secret, {"r": "rgs_" + "x" * 43, "w": "whsec_" + "c2VjcmV0" * 4}.get(secret[0], "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJyZ2NfIn0.c2ln"))
print(json.dumps(json.loads(text), indent=1, sort_keys=True))
