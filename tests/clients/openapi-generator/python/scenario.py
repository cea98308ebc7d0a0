"""Integrator scenario, driven through the client openapi-generator's `python` generator writes.

The story of tests/clients/python/scenario.py: a French 24/7 point of contact asks Germany's for
an expedited preservation (Budapest Art 29); Germany acknowledges, uploads the preserved records
and answers; France reads the request and its events and downloads every file. Here Germany
uploads three files, a JSON document, a text file and a binary one, each the way this generated
client can send it, and France checks for each download that its SHA-256 equals the
`Repr-Digest` header, the digest in the response event and the bytes sent, and that
`Rogatory-Media-Type` is the uploaded media type.

Run by .ci/integrators.sh with the generated package `rogatory_og` on PYTHONPATH and:
  ROGATORY_URL                    base URL of a running server (fresh database)
  ROGATORY_ADMIN_CLIENT_ID/SECRET the exchange_admin credentials printed by `rogatory admin bootstrap`

Every call goes through the generated code (its `*_with_http_info` variants, to see headers).
Exit status 0 only when every step passed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import time
import traceback
import uuid

import rogatory_og
from rogatory_og.api.attachments_api import AttachmentsApi
from rogatory_og.api.auth_api import AuthApi
from rogatory_og.api.parties_api import PartiesApi
from rogatory_og.api.requests_api import RequestsApi
from rogatory_og.api.webhooks_api import WebhooksApi
from rogatory_og.models import (
    AddresseeSpec,
    DataCategory,
    Designation,
    NewClient,
    NewParty,
    NewRequest,
    NewResponse,
    NewWebhook,
    Outcome,
    PartyKind,
    PartyStatus,
    Priority,
    RequestContent,
    RequestStatus,
    Role,
    Target,
    TargetType,
)

BASE_URL = os.environ["ROGATORY_URL"].rstrip("/")
ADMIN_ID = os.environ["ROGATORY_ADMIN_CLIENT_ID"]
ADMIN_SECRET = os.environ["ROGATORY_ADMIN_CLIENT_SECRET"]
RUN = uuid.uuid4().hex[:8]  # party names are unique: lets the scenario run twice on one database

passed: list[str] = []
failed: list[str] = []


class StepFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def step(name: str, fn):
    started = time.monotonic()
    try:
        result = fn()
    except StepFailed as exc:
        print(f"FAIL {name} ({time.monotonic() - started:.3f}s): {exc}")
        failed.append(f"{name}: {exc}")
        raise
    except Exception as exc:  # a crash in generated code, or an ApiException, fails this step too
        traceback.print_exc()
        print(f"FAIL {name} ({time.monotonic() - started:.3f}s): {type(exc).__name__}: {str(exc)[:600]}")
        failed.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
        raise StepFailed(str(exc)) from exc
    print(f"ok   {name} ({time.monotonic() - started:.3f}s)")
    passed.append(name)
    return result


def api_client(token: str | None = None) -> rogatory_og.ApiClient:
    configuration = rogatory_og.Configuration(host=BASE_URL)
    if token is not None:
        configuration.access_token = token
    return rogatory_og.ApiClient(configuration)


def header(response, name: str) -> str | None:
    for key, value in (response.headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def token_with_basic(client_id: str, client_secret: str) -> str:
    # The token operation is public (`security: [{}]`); the client authenticates with HTTP
    # Basic (RFC 6749 §2.3.1), a header this generated function lets the caller add.
    pair = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    response = AuthApi(api_client()).create_token_with_http_info(
        grant_type="client_credentials", _headers={"Authorization": f"Basic {pair}"}
    )
    expect(response.status_code == 200, f"token: HTTP {response.status_code}")
    expect(response.data.token_type.lower() == "bearer", f"token_type {response.data.token_type!r}")
    expect(header(response, "cache-control") == "no-store", "a token answer carries Cache-Control: no-store")
    return response.data.access_token


def token_with_form(client_id: str, client_secret: str) -> str:
    token = AuthApi(api_client()).create_token(
        grant_type="client_credentials", client_id=client_id, client_secret=client_secret
    )
    expect(token.expires_in > 0, "expires_in must be positive")
    return token.access_token


def new_party(admin: rogatory_og.ApiClient, name: str, country: str, email: str):
    parties = PartiesApi(admin)
    body = NewParty(
        kind=PartyKind.STATE_AUTHORITY,
        name=f"{name} [{RUN}]",
        country=country,
        designations=[Designation.CONTACT_POINT_24_7],
        accepted_legal_bases=["coe_budapest_29"],
        notification_emails=[email],
    )
    created = parties.create_party_with_http_info(body, idempotency_key=f"party-{country}-{RUN}")
    expect(created.status_code == 201, f"create party: HTTP {created.status_code}")
    expect(created.data.status == PartyStatus.PENDING_VERIFICATION, f"a new party is pending, got {created.data.status}")
    verified = parties.verify_party(created.data.id, idempotency_key=f"verify-{country}-{RUN}")
    expect(verified.status == PartyStatus.ACTIVE, f"a verified party is active, got {verified.status}")
    return verified


def new_client(admin: rogatory_og.ApiClient, party, label: str):
    roles = [Role.OPERATOR, Role.RESPONDER, Role.PARTY_ADMIN]
    creds = PartiesApi(admin).create_client(party.id, NewClient(name=f"{label} case system", roles=roles))
    expect(isinstance(creds.client_secret, str) and creds.client_secret, "a new client's secret is shown once")
    expect(sorted(creds.client.roles) == sorted(roles), f"roles {creds.client.roles}")
    return creds


def preservation_request() -> NewRequest:
    # The body of tests/api/support/world.rs `preservation_request()`.
    return NewRequest(
        legal_basis="coe_budapest_29",
        priority=Priority.URGENT,
        addressee=AddresseeSpec(country="DE"),
        content=RequestContent(
            issuing_authority="OCLCTIC 24/7 point of contact, Nanterre",
            offences=["Trafficking in human beings (Code penal art. 225-4-1)"],
            facts_summary="Victims recruited through fake modelling offers sent from this mailbox, then exploited in Paris.",
            targets=[Target(type=TargetType.EMAIL, value="Recruiter.Jobs2026@Example-Mail.de")],
            data_categories=[DataCategory.SUBSCRIBER, DataCategory.TRAFFIC],
            custodian="Example Mail GmbH, Berlin",
            preservation_necessity="The provider keeps connection logs for 90 days.",
            mla_intent=True,
        ),
    )


# The three files Germany sends: (file name, media type, bytes, how this client sends them).
def evidence_files() -> list[tuple[str, str, bytes, str]]:
    records = {"run": RUN, "subscriber": {"email": "recruiter.jobs2026@example-mail.de", "since": "2025-03-02"},
               "logins": [{"at": "2026-11-20T21:14:05Z", "ip": "203.0.113.7", "port": 51234}]}
    return [
        # JSON: sent as application/octet-stream with its type in `media_type`. With
        # `_content_type="application/json"` this client would json.dumps() the bytes.
        ("subscriber.json", "application/json", json.dumps(records, indent=2).encode() + b"\n", "query"),
        # Text: sent with its own Content-Type; the client passes str/bytes bodies through.
        ("logins.txt", "text/plain; charset=utf-8",
         f"run {RUN}\r\nlogin 2026-11-20T21:14:05Z 203.0.113.7:51234\n".encode(), "header"),
        # Binary: the declared application/octet-stream, every byte value.
        ("mailbox.bin", "application/octet-stream", b"\x00\xff\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "default"),
    ]


def upload(germany: rogatory_og.ApiClient, request_id, name: str, media: str, data: bytes, how: str):
    attachments = AttachmentsApi(germany)
    key = f"upload-{name}-{RUN}"
    if how == "query":
        response = attachments.upload_attachment_with_http_info(
            request_id, data, file_name=name, media_type=media, idempotency_key=key
        )
    elif how == "header":
        response = attachments.upload_attachment_with_http_info(
            request_id, data, file_name=name, idempotency_key=key, _content_type=media
        )
    else:
        response = attachments.upload_attachment_with_http_info(request_id, data, file_name=name, idempotency_key=key)
    expect(response.status_code == 201, f"upload {name}: HTTP {response.status_code}")
    attachment = response.data
    expect(attachment.sha256 == hashlib.sha256(data).hexdigest(), f"{name}: the recorded SHA-256 is that of the bytes sent")
    expect(attachment.size_bytes == len(data), f"{name}: size_bytes {attachment.size_bytes} != {len(data)}")
    expect(attachment.media_type == media, f"{name}: recorded media type {attachment.media_type!r}, sent {media!r}")
    expect(attachment.file_name == name, f"{name}: recorded file name {attachment.file_name!r}")
    expect(header(response, "repr-digest") == attachment.repr_digest, f"{name}: Repr-Digest of the upload")
    return attachment


def download(france: rogatory_og.ApiClient, attachment, media: str, data: bytes, event_sha: str) -> None:
    response = AttachmentsApi(france).download_attachment_with_http_info(attachment.id)
    expect(response.status_code == 200, f"download: HTTP {response.status_code}")
    content = bytes(response.data)
    digest = hashlib.sha256(content)
    repr_digest = header(response, "repr-digest")
    expected = "sha-256=:" + base64.b64encode(digest.digest()).decode() + ":"
    expect(repr_digest == expected, f"SHA-256 of the bytes received {expected} != Repr-Digest {repr_digest!r}")
    expect(digest.hexdigest() == event_sha, "SHA-256 equals the one the response event cites")
    expect(content == data, f"the bytes downloaded ({len(content)}) are the bytes uploaded ({len(data)})")
    recorded = header(response, "rogatory-media-type")
    expect(recorded == media, f"Rogatory-Media-Type {recorded!r}, uploaded as {media!r}")


class Receiver:
    """A webhook receiver on 127.0.0.1: records each delivery's raw body and headers."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.deliveries: list[tuple[bytes, dict[str, str]]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                outer.deliveries.append((body, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, event_type: str, timeout: float = 20.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for body, headers in self.deliveries:
                if json.loads(body).get("type") == event_type:
                    return body, headers
            time.sleep(0.2)
        raise StepFailed(f"no {event_type} delivery within {timeout} s (got {len(self.deliveries)})")


def verify_delivery(receiver: Receiver, secret: str, event_type: str, request_id) -> None:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    body, headers = receiver.wait_for(event_type)
    payload = Webhook(secret).verify(body, headers)
    expect(payload["type"] == event_type, f"payload type {payload['type']}")
    expect(payload["data"]["request_id"] == str(request_id), "the delivery names the request")
    try:
        Webhook(secret).verify(body.replace(b'"type"', b'"typf"', 1), headers)
    except WebhookVerificationError:
        pass
    else:
        raise StepFailed("a changed byte must fail verification")


def main() -> int:
    print(f"openapi-generator python scenario against {BASE_URL} (run {RUN})")
    try:
        admin = api_client(step("exchange admin token (bootstrap credentials, HTTP Basic)", lambda: token_with_basic(ADMIN_ID, ADMIN_SECRET)))

        def admin_is_admin():
            me = AuthApi(admin).get_me()
            expect(Role.EXCHANGE_ADMIN in me.roles, f"bootstrap client roles {me.roles}")

        step("admin /v1/me says exchange_admin", admin_is_admin)
        fr = step("create and verify the French 24/7 point of contact", lambda: new_party(admin, "OCLCTIC 24/7 point of contact", "FR", "24-7@oclctic.example.fr"))
        de = step("create and verify the German 24/7 point of contact", lambda: new_party(admin, "BKA 24/7 point of contact", "DE", "24-7@bka.example.de"))
        fr_creds = step("client for France", lambda: new_client(admin, fr, "OCLCTIC"))
        de_creds = step("client for Germany", lambda: new_client(admin, de, "BKA"))
        france = api_client(step("France's token (HTTP Basic)", lambda: token_with_basic(fr_creds.client_id, fr_creds.client_secret)))
        germany = api_client(step("Germany's token (form fields)", lambda: token_with_form(de_creds.client_id, de_creds.client_secret)))
        receiver = Receiver()

        def subscribe():
            body = NewWebhook(url=receiver.url, event_types=["request.acknowledged", "request.responded"], description="integrator scenario")
            created = WebhooksApi(france).create_webhook(body)
            expect(created.secret.startswith("whsec_"), "the signing secret is shown once")
            return created.secret

        secret = step("France subscribes a webhook (acknowledged, responded)", subscribe)

        def draft():
            created = RequestsApi(france).create_request_with_http_info(preservation_request(), idempotency_key=f"req-{RUN}")
            expect(created.status_code == 201, f"create request: HTTP {created.status_code}")
            request = created.data
            expect(request.status == RequestStatus.DRAFT, f"a new request is a draft, got {request.status}")
            expect(request.issuer.id == fr.id, "issuer is France")
            expect(request.addressee.id == de.id, f"DE resolves to Germany's 24/7 point of contact, got {request.addressee.name}")
            return request

        request = step("France drafts a Budapest Art 29 preservation to DE", draft)

        def submit():
            submitted = RequestsApi(france).submit_request(request.id, idempotency_key=f"submit-{RUN}")
            expect(submitted.status == RequestStatus.SUBMITTED, f"status after submit: {submitted.status}")

        step("France submits it", submit)

        def acknowledge():
            acked = RequestsApi(germany).acknowledge_request(request.id, idempotency_key=f"ack-{RUN}")
            expect(acked.status == RequestStatus.ACKNOWLEDGED, f"status after acknowledge: {acked.status}")

        step("Germany acknowledges", acknowledge)
        files = evidence_files()
        uploaded = []
        for name, media, data, how in files:
            how_said = {"query": "octet-stream + media_type query", "header": "its own Content-Type", "default": "octet-stream"}[how]
            uploaded.append(step(f"Germany uploads {name} ({media}, as {how_said})", lambda n=name, m=media, d=data, h=how: upload(germany, request.id, n, m, d, h)))

        def respond():
            answer = NewResponse(
                outcome=Outcome.PRESERVED,
                text="Subscriber and traffic data preserved for 90 days.",
                attachments=[a.id for a in uploaded],
            )
            answered = RequestsApi(germany).respond_to_request(request.id, answer, idempotency_key=f"respond-{RUN}")
            expect(answered.status == RequestStatus.PRESERVED, f"status after a preserved answer: {answered.status}")

        step("Germany answers: preserved, citing the three attachments", respond)

        def read_request():
            seen = RequestsApi(france).get_request(request.id)
            expect(seen.status == RequestStatus.PRESERVED, f"France sees status {seen.status}")
            expect(seen.outcome is not None, "France sees the outcome")

        step("France reads the request", read_request)

        def read_events():
            events = RequestsApi(france).list_request_events(request.id)
            previous = "0" * 64
            for event in events.items:
                expect(event.prev_hash == previous, f"event {event.seq} links to the one before")
                previous = event.hash
            responded = [e for e in events.items if e.type == "request.responded"]
            expect(responded, f"event types {[e.type for e in events.items]}")
            cited = {c["id"]: c["sha256"] for c in responded[-1].data.get("attachments") or []}
            expect(sorted(cited) == sorted(str(a.id) for a in uploaded), f"the response event cites the attachments: {cited}")
            return cited

        cited = step("France reads the events (hash chain linked, response cites the files)", read_events)
        for (name, media, data, _), attachment in zip(files, uploaded):
            step(f"France downloads {name}: SHA-256 = Repr-Digest = event, Rogatory-Media-Type {media}",
                 lambda a=attachment, m=media, d=data: download(france, a, m, d, cited[str(a.id)]))
        step("webhook request.acknowledged verified with standardwebhooks", lambda: verify_delivery(receiver, secret, "request.acknowledged", request.id))
        step("webhook request.responded verified with standardwebhooks", lambda: verify_delivery(receiver, secret, "request.responded", request.id))
    except StepFailed:
        pass  # already reported; later steps depend on this one
    print(f"openapi-generator python scenario: {len(passed)} passed, {len(failed)} failed")
    for failure in failed:
        print(f"  - {failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
