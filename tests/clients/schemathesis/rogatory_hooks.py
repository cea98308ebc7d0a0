"""Schemathesis hooks for the Rogatory contract run (loaded with SCHEMATHESIS_HOOKS=rogatory_hooks).

Only one hook, and it changes no check: it makes every *well-formed* Idempotency-Key unique.

Why: Schemathesis draws header values from a tiny space ("0", "null", "A"), so two unrelated
schema-valid POSTs often carry the same key. The server then answers, correctly, 422
`idempotency_key_reused` (README: "the same key with another body is a 422"), and
positive_data_acceptance reports the *collision* rather than anything about the request. A
suffix keeps the key well-formed (1 to 255 printable ASCII characters, no spaces) and makes it
unique, so positive cases test the operation. Malformed keys (empty, too long, spaces, non-ASCII)
are left exactly as generated, so negative_data_rejection still tests the header's validation.
Whether the server documents 400/422 for the header is checked statically by the Spectral rule
`idempotency-key-errors-documented` (tests/clients/lint/spectral.yaml).
"""

import re
import uuid

import schemathesis

WELL_FORMED = re.compile(r"^[\x21-\x7e]{1,255}$")


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
