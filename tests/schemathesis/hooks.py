"""Schemathesis hooks for the Lantern relay: owner requests are signed exactly as
docs/relay-api.md ("Owner signatures") describes, and generated ids are steered towards
mailboxes, capabilities and push registrations that exist, so the run exercises the routes and
not only their 404s. Generated push endpoints are steered to a few on 127.0.0.1's discard port
(the relay under test allows only that host, so wake-ups never leave this machine, and a
generated endpoint it was not steered to is refused with 403).

The relay's URL comes from LANTERN_RELAY_URL (set by `cargo xtask test`). Only requests whose
three owner headers were generated well formed are signed: a case that leaves a header out or
breaks its format (a negative case) is sent as generated and must be refused. Signing happens in a
requests auth handler, which sees the request exactly as it goes out (path, query and body bytes).
Run by hand: start a relay, then
  LANTERN_RELAY_URL=http://127.0.0.1:PORT python3 -m schemathesis.cli \
      --config-file tests/schemathesis/schemathesis.toml run docs/relay-openapi.yaml \
      --url http://127.0.0.1:PORT --workers 1
(`cargo xtask relay-spec` does all of it). LANTERN_SPEC_LOG=FILE logs every call.
"""

import base64
import hashlib
import json
import os
import re
import secrets
import time

import requests
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

BASE = os.environ["LANTERN_RELAY_URL"].rstrip("/")
OWNER_HEADERS = {
    "X-Lantern-Timestamp": re.compile(r"-?[0-9]{1,18}"),
    "X-Lantern-Nonce": re.compile(r"[A-Za-z0-9_-]{16,64}"),
    "X-Lantern-Signature": re.compile(r"[A-Za-z0-9+/]{85}[AQgw]=="),
}
CAPABILITY_HEADER = "X-Lantern-Capability"
CAPABILITY_FORMAT = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")
MAILBOX_PATH = re.compile(r"/v1/mailboxes/([A-Za-z0-9_-]{43})(?:/|$|\?)")
# A well-formed but made-up mailbox id, token or key is swapped for one that exists in about
# three cases out of four, chosen by the value itself so that a case replays identically.


def steer(value: str, choices: list[str]) -> str | None:
    digest = hashlib.sha256(value.encode()).digest()
    return choices[digest[1] % len(choices)] if digest[0] < 192 else None


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def mailbox_id(public: bytes) -> str:
    return b64url(hashlib.sha256(public).digest())


KEYS = [Ed25519PrivateKey.generate() for _ in range(3)]
BY_MAILBOX = {mailbox_id(public_bytes(k)): k for k in KEYS}
BY_PUBLIC = {base64.b64encode(public_bytes(k)).decode(): k for k in KEYS}
TOKENS: dict[str, str] = {}  # mailbox id -> a capability token issued for it
REGISTRATIONS: dict[str, list[str]] = {}  # mailbox id -> push registration ids issued for it
# Nothing listens on port 9 (discard): the relay's wake-ups fail at once and are retried.
WAKE_ENDPOINTS = [f"http://127.0.0.1:9/wake/{name}" for name in ("a", "b", "c")]


def sign(request, key: Ed25519PrivateKey) -> None:
    """Sets fresh owner headers on a prepared request: the exact body and path as sent."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    ts = str(int(time.time()))
    nonce = b64url(secrets.token_bytes(16))
    message = "\n".join(
        [
            "lantern-relay-v1",
            request.method.upper(),
            request.path_url,
            ts,
            nonce,
            hashlib.sha256(body).hexdigest(),
        ]
    ).encode()
    request.headers["X-Lantern-Timestamp"] = ts
    request.headers["X-Lantern-Nonce"] = nonce
    request.headers["X-Lantern-Signature"] = base64.b64encode(key.sign(message)).decode()


def key_for(request) -> Ed25519PrivateKey:
    """The owner key of the request's mailbox, or a stranger's key (the relay then refuses)."""
    match = MAILBOX_PATH.match(request.path_url)
    if match:
        return BY_MAILBOX.get(match.group(1)) or Ed25519PrivateKey.generate()
    try:
        public = json.loads(request.body or b"{}").get("public_key")
    except (ValueError, AttributeError):
        public = None
    known = BY_PUBLIC.get(public) if isinstance(public, str) else None
    return known or Ed25519PrivateKey.generate()


class OwnerSignature(requests.auth.AuthBase):
    """requests calls this with the final request (URL, query and body as they go out)."""

    def __call__(self, request):
        values = [request.headers.get(name) for name in OWNER_HEADERS]
        if all(
            isinstance(v, str) and pattern.fullmatch(v)
            for v, pattern in zip(values, OWNER_HEADERS.values())
        ):
            sign(request, key_for(request))
        return request


def signed_call(key: Ed25519PrivateKey, method: str, path: str, data: bytes = b"") -> requests.Response:
    """Sends one request signed by `key` and fails the run if it is refused."""
    headers = {name: "0" * 16 for name in OWNER_HEADERS}
    headers["Content-Type"] = "application/json"
    prepared = requests.Request(method, BASE + path, data=data, headers=headers).prepare()
    sign(prepared, key)
    response = requests.Session().send(prepared, timeout=10)
    response.raise_for_status()
    return response


def setup_mailbox(key: Ed25519PrivateKey) -> None:
    """Creates the mailbox of `key` (idempotent), issues it a capability and registers a push
    endpoint (so the unregister cases have one to find)."""
    mailbox = mailbox_id(public_bytes(key))
    body = json.dumps({"public_key": base64.b64encode(public_bytes(key)).decode()}).encode()
    signed_call(key, "POST", "/v1/mailboxes", body)
    TOKENS[mailbox] = signed_call(key, "POST", f"/v1/mailboxes/{mailbox}/capabilities").json()["token"]
    register_push(key)


def register_push(key: Ed25519PrivateKey) -> None:
    mailbox = mailbox_id(public_bytes(key))
    body = json.dumps({"endpoint": WAKE_ENDPOINTS[0], "token": "hooks-token-0123456789"}).encode()
    registration = signed_call(key, "POST", f"/v1/mailboxes/{mailbox}/push", body).json()
    known = REGISTRATIONS.setdefault(mailbox, [])
    if registration["registration_id"] not in known:
        known.append(registration["registration_id"])


for _key in KEYS:
    setup_mailbox(_key)


@schemathesis.hook
def before_call(context, case, kwargs):
    kwargs["auth"] = OwnerSignature()
    params = case.path_parameters or {}
    mailbox = params.get("mailbox")
    if (
        isinstance(mailbox, str)
        and re.fullmatch(r"[A-Za-z0-9_-]{43}", mailbox)
        and mailbox not in BY_MAILBOX
        and steer(mailbox, list(BY_MAILBOX))
    ):
        params["mailbox"] = mailbox = steer(mailbox, list(BY_MAILBOX))
    headers = case.headers or {}
    token = headers.get(CAPABILITY_HEADER)
    if (
        isinstance(token, str)
        and CAPABILITY_FORMAT.fullmatch(token)
        and token not in TOKENS.values()
        and mailbox in TOKENS
        and steer(token, [TOKENS[mailbox]])
    ):
        headers[CAPABILITY_HEADER] = TOKENS[mailbox]
    body = case.body
    registration = params.get("registration")
    known = REGISTRATIONS.get(mailbox, [])
    if (
        isinstance(registration, str)
        and re.fullmatch(r"[A-Za-z0-9_-]{16}", registration)
        and registration not in known
        and known
        and steer(registration, known)
    ):
        params["registration"] = steer(registration, known)
    if (
        case.operation.method.upper() == "POST"
        and case.operation.path == "/v1/mailboxes/{mailbox}/push"
        and isinstance(body, dict)
        and isinstance(body.get("endpoint"), str)
        and 1 <= len(body["endpoint"]) <= 1024
        and steer(body["endpoint"], WAKE_ENDPOINTS)
    ):
        body["endpoint"] = steer(body["endpoint"], WAKE_ENDPOINTS)
    if (
        case.operation.method.upper() == "POST"
        and case.operation.path == "/v1/mailboxes"
        and isinstance(body, dict)
        and isinstance(body.get("public_key"), str)
        and re.fullmatch(r"[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=", body["public_key"])
        and body["public_key"] not in BY_PUBLIC
        and steer(body["public_key"], list(BY_PUBLIC))
    ):
        body["public_key"] = steer(body["public_key"], list(BY_PUBLIC))


@schemathesis.hook
def after_call(context, case, response):
    method = case.operation.method.upper()
    params = case.path_parameters or {}
    mailbox = params.get("mailbox")
    # A deleted mailbox of ours comes back (with a new capability) for the cases that follow.
    if method == "DELETE" and response.status_code == 204:
        if mailbox in BY_MAILBOX and case.operation.path == "/v1/mailboxes/{mailbox}":
            REGISTRATIONS.pop(mailbox, None)
            setup_mailbox(BY_MAILBOX[mailbox])
        if case.operation.path == "/v1/mailboxes/{mailbox}/push/{registration}":
            known = REGISTRATIONS.get(mailbox, [])
            if params.get("registration") in known:
                known.remove(params["registration"])
            if mailbox in BY_MAILBOX and not known:
                register_push(BY_MAILBOX[mailbox])
    # Push registrations of our mailboxes, for the unregister cases to find.
    if (
        method == "POST"
        and case.operation.path == "/v1/mailboxes/{mailbox}/push"
        and response.status_code in (200, 201)
        and mailbox in BY_MAILBOX
    ):
        known = REGISTRATIONS.setdefault(mailbox, [])
        registration = response.json().get("registration_id")
        if registration not in known:
            known.append(registration)


@schemathesis.hook("after_call")
def log_call(context, case, response):
    """With LANTERN_SPEC_LOG=FILE, one line per call: phase, mode, operation, status, answer."""
    path = os.environ.get("LANTERN_SPEC_LOG")
    if not path or case.meta is None:
        return
    phase = getattr(case.meta.phase, "name", "?")
    mode = getattr(case.meta.generation, "mode", "?")
    with open(path, "a", encoding="utf-8") as log:
        log.write(
            f"{phase} {mode} {case.operation.method.upper()} {case.operation.path} "
            f"{response.status_code} {response.text[:80]!r}\n"
        )
