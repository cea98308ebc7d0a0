"""Prepares the party runs of the contract fuzzing (.ci/integrators.sh, step 2).

Usage: seed_parties.py URL DEMO_JSON
  URL        base URL of a server whose database `rogatory demo` filled
  DEMO_JSON  the credentials `rogatory demo` printed

Gives the fuzzer something to see as a party, not only as the exchange admin:
- the French prosecutor drafts and submits a European Production Order addressed to the
  platform (Reg. 2023/1543), so the platform's responder has a request in its inbox;
- the French 24/7 point of contact drafts and submits a Budapest Art 29 preservation to
  Germany, so its operator has a request of its own;
then creates two single-role API clients with the admin's token, an `operator` of the French
24/7 point of contact and a `responder` of the platform, and prints their tokens as JSON:
{"operator": "...", "platform_responder": "..."}. Exits non-zero on any unexpected answer.
"""

from __future__ import annotations

import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

URL = sys.argv[1].rstrip("/")
DEMO = json.load(open(sys.argv[2]))


def call(method: str, path: str, token: str | None = None, body=None, basic: tuple[str, str] | None = None, form=None, expect=200):
    headers = {}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if basic:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(URL + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    if status != expect:
        sys.exit(f"seed_parties: {method} {path}: HTTP {status} (expected {expect}): {text[:400]!r}")
    return json.loads(text) if text else None


def token(client_id: str, client_secret: str) -> str:
    return call("POST", "/v1/oauth/token", basic=(client_id, client_secret), form={"grant_type": "client_credentials"})["access_token"]


def demo_token(name: str) -> str:
    return token(DEMO[name]["client_id"], DEMO[name]["client_secret"])


def submitted(issuer: str, body: dict) -> str:
    created = call("POST", "/v1/requests", demo_token(issuer), body, expect=201)
    call("POST", f"/v1/requests/{created['id']}/submit", demo_token(issuer), {})
    return created["id"]


def single_role_token(admin: str, party: str, role: str) -> str:
    body = {"name": f"fuzzing {role} of {DEMO[party]['party_name']}", "roles": [role]}
    creds = call("POST", f"/v1/parties/{DEMO[party]['party_id']}/clients", admin, body, expect=201)
    return token(creds["client_id"], creds["client_secret"])


def main() -> None:
    # The bodies of tests/api/support/world.rs production_order() and preservation_request().
    submitted("fr_prosecutor", {
        "legal_basis": "eu_epoc",
        "addressee": {"party_id": DEMO["platform"]["party_id"]},
        "content": {
            "issuing_authority": "Parquet de Paris, J3 cybercriminalite",
            "issuing_file_number": "PARQUET-2026-118842",
            "validating_authority": "Juge des libertes et de la detention, Paris",
            "offences": ["Trafficking in human beings"],
            "targets": [{"type": "username", "value": "model.scout.paris", "service": "Example Social"}],
            "data_categories": ["subscriber", "identification"],
            "recipient_authority": "Parquet de Paris, J3 cybercriminalite",
        },
    })
    submitted("fr_24_7", {
        "legal_basis": "coe_budapest_29",
        "priority": "urgent",
        "addressee": {"country": "DE"},
        "content": {
            "issuing_authority": "OCLCTIC 24/7 point of contact, Nanterre",
            "offences": ["Trafficking in human beings (Code penal art. 225-4-1)"],
            "facts_summary": "Victims recruited through fake modelling offers sent from this mailbox, then exploited in Paris.",
            "targets": [{"type": "email", "value": "Recruiter.Jobs2026@Example-Mail.de"}],
            "data_categories": ["subscriber", "traffic"],
            "custodian": "Example Mail GmbH, Berlin",
            "preservation_necessity": "The provider keeps connection logs for 90 days.",
            "mla_intent": True,
        },
    })
    admin = demo_token("exchange_admin")
    tokens = {
        "operator": single_role_token(admin, "fr_24_7", "operator"),
        "platform_responder": single_role_token(admin, "platform", "responder"),
    }
    # The platform's responder sees the order addressed to it.
    inbox = call("GET", "/v1/requests", tokens["platform_responder"])
    if not inbox.get("items"):
        sys.exit(f"seed_parties: the platform's responder sees no request: {inbox}")
    print(json.dumps(tokens))


if __name__ == "__main__":
    main()
