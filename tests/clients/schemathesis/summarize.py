"""Summarise a Schemathesis NDJSON report: one line per unique failure, with a curl reproduction.

Usage: python summarize.py REPORT.ndjson [OUT.md]

Unique = same operation, check code, response status and problem `code`. The bearer token is replaced by
$TOKEN in the curl lines, so they can be pasted after `TOKEN=...`. Exit status is 0: the
caller decides from Schemathesis's own exit status.
"""

import base64
import json
import re
import shlex
import sys


def body_text(blob):
    if not blob:
        return None
    if "$base64" in blob:
        raw = base64.b64decode(blob["$base64"])
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None  # binary: curl line says so
    return blob.get("string")


def problem_code(text):
    """The `code` of a problem+json body (or `error` of an OAuth error), and its field errors as
    `pointer:code` with array indexes folded (`/languages/3` -> `/languages/*`)."""
    try:
        data = json.loads(text or "")
    except ValueError:
        return None, set()
    if not isinstance(data, dict):
        return None, set()
    fields = {
        re.sub(r"/\d+", "/*", f"{e.get('pointer')}:{e.get('code')}")
        for e in data.get("errors") or []
        if isinstance(e, dict)
    }
    return data.get("code") or data.get("error"), fields


def shell_quote(text):
    """shlex.quote, or bash $'...' quoting when the text holds control characters."""
    if all(ch.isprintable() or ch == " " for ch in text):
        return shlex.quote(text)
    out = []
    for ch in text:
        if ch == "'" or ch == "\\":
            out.append("\\" + ch)
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append("".join(f"\\x{b:02x}" for b in ch.encode("utf-8")))
    return "$'" + "".join(out) + "'"


def curl(request):
    parts = ["curl", "-s", "-i", "-X", request["method"]]
    binary = False
    for name, values in request.get("headers", {}).items():
        for value in values:
            if name.lower() == "authorization" and value.startswith("Bearer "):
                value = "Bearer $TOKEN"
                parts += ["-H", f'"{name}: {value}"']
                continue
            parts += ["-H", shell_quote(f"{name}: {value}")]
    blob = request.get("body")
    if blob:
        text = body_text(blob)
        if text is None:
            binary = True
        else:
            parts += ["--data-binary", shell_quote(text)]
    parts.append(shlex.quote(request["uri"]))
    line = " ".join(parts)
    return line + ("   # (binary body omitted)" if binary else "")


def main():
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else None
    seen = {}
    for line in open(path, encoding="utf-8"):
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        for case_id, checks in recorder.get("checks", {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                failure = check["failure_info"]["failure"]
                interaction = recorder.get("interactions", {}).get(case_id)
                status = interaction["response"]["status_code"] if interaction and interaction.get("response") else None
                resp = (interaction or {}).get("response") or {}
                problem, fields = problem_code(body_text(resp.get("content")))
                key = (failure.get("operation") or recorder["label"], failure["code"], status, problem)
                if key in seen:
                    seen[key]["count"] += 1
                    seen[key]["fields"] |= fields
                    continue
                ctype = ",".join(resp.get("headers", {}).get("content-type", []))
                seen[key] = {
                    "count": 1,
                    "fields": set(fields),
                    "title": failure["title"],
                    "message": " ".join(failure.get("message", "").split()),
                    "phase": finished.get("phase"),
                    "content_type": ctype,
                    "response": (body_text(resp.get("content")) or "")[:400],
                    "curl": curl(interaction["request"]) if interaction else "(no request recorded)",
                }
    lines = [f"# Schemathesis: {len(seen)} unique failures (operation, check, status, problem code)", ""]
    for (operation, code, status, problem), info in sorted(seen.items(), key=lambda kv: tuple(map(str, kv[0]))):
        lines.append(
            f"## {operation} | {code} {info['title']} | HTTP {status} {problem or ''} | x{info['count']} ({info['phase']})"
        )
        if info["fields"]:
            lines.append(f"- field errors seen: {', '.join(sorted(info['fields']))}")
        if info["message"]:
            lines.append(f"- check says: {info['message']}")
        lines.append(f"- response ({info['content_type']}): {info['response']}")
        lines.append(f"- reproduce: `{info['curl']}`")
        lines.append("")
    text = "\n".join(lines)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
