"""Schemathesis hooks for the Rogatory contract run (loaded with SCHEMATHESIS_HOOKS=rogatory_hooks).

Two hooks; neither changes a check.

1. `BearerToken`, the run's authentication: the token in ST_TOKEN (.ci/integrators.sh sets it
for each run: admin, operator, platform responder), as `Authorization: Bearer …` on exactly the
operations whose security lists the `bearer` scheme. Neither a `--header` nor the config's
OpenAPI-aware `[auth.openapi.bearer]` does that here. A `--header` is added to every request:
to the cases that test a missing Authorization header (their expected 401 becomes a 2xx or 403,
reported as ST203) and to the token endpoint. OpenAPI-aware auth, once the token endpoint has
answered 401 to an unknown client, "infers" that the operation needs the bearer scheme and adds
it there from then on; but there an Authorization header is *client* authentication (RFC 6749
§2.3.1), so a request with form-field credentials and a stray `Bearer …` gets a correct 400
(`invalid_request`, two client authentications) that positive_data_acceptance counts against
the server. Programmatic auth is skipped by Schemathesis on the cases that negate the security
parameter, and takes no part in that inference.

2. `before_call` makes every *well-formed* Idempotency-Key unique. Why: Schemathesis draws
header values from a tiny space ("0", "null", "A"), so two unrelated schema-valid POSTs often
carry the same key. The server then answers, correctly, 422
`idempotency_key_reused` (README: "the same key with another body is a 422"), and
positive_data_acceptance reports the *collision* rather than anything about the request. A
suffix keeps the key well-formed (1 to 255 printable ASCII characters, no spaces) and makes it
unique, so positive cases test the operation. Malformed keys (empty, too long, spaces, non-ASCII)
are left exactly as generated, so negative_data_rejection still tests the header's validation.
Whether the server documents 400/422 for the header is checked statically by the Spectral rule
`idempotency-key-errors-documented` (tests/clients/lint/spectral.yaml).
"""

import os
import re
import uuid

import schemathesis

WELL_FORMED = re.compile(r"^[\x21-\x7e]{1,255}$")


def lists_bearer(case) -> bool:
    security = (case.operation.definition.raw or {}).get("security") or []
    return any(isinstance(requirement, dict) and "bearer" in requirement for requirement in security)


@schemathesis.auth()
class BearerToken:
    def get(self, case, ctx):
        return os.environ["ST_TOKEN"]

    def set(self, case, data, ctx):
        if lists_bearer(case):
            if case.headers is None:
                case.headers = {}
            case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers
    if not headers:
        return
    for name in list(headers):
        if name.lower() != "idempotency-key":
            continue
        value = headers[name]
        if isinstance(value, str) and WELL_FORMED.match(value):
            headers[name] = f"{value[:200]}-{uuid.uuid4().hex}"
