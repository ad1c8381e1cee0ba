"""Who may use the pages, and how a change to a phone is kept from being forged by another site.

* Loopback by default. Listening beyond loopback needs an access token (generated, or ``--token``); then
  every request needs it, loopback included. The token arrives once in the URL (``?token=…``), is traded
  for an HttpOnly, SameSite=Strict cookie, and the browser is sent on to the same page without it.
* The ``Host`` header must name this server (loopback names, or the address it listens on): a page on
  another site that rebinds its DNS name to 127.0.0.1 gets nothing.
* Requests that change something (POST) must carry the page's CSRF token in a header
  (``X-Droidcheck-CSRF``), which another site cannot read or set without a CORS grant it never gets, and
  an ``Origin``, when sent, must be this server.
* Every response forbids framing and inline scripts (Content-Security-Policy).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "droidcheck_token"
CSRF_HEADER = "x-droidcheck-csrf"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
#: The customer's report is one self-contained file with its own <style>: styles inline, no script at all.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Access:
    """The rules for one running server."""

    bind_host: str
    port: int
    token: str | None = None  # None: no token (loopback only)
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    extra_hosts: set[str] = field(default_factory=set)

    @classmethod
    def for_bind(cls, host: str, port: int, token: str | None = None) -> Access:
        if not is_loopback(host) and not token:
            token = secrets.token_urlsafe(24)
        return cls(host, port, token)

    def allowed_host(self, host_header: str) -> bool:
        name = urlsplit(f"//{host_header}").hostname or ""
        if is_loopback(name):
            return True
        if name in self.extra_hosts:
            return True
        if self.bind_host in ("0.0.0.0", "::"):
            # listening everywhere: any address of this machine; the token is what protects it
            return self.token is not None
        return name == self.bind_host.strip("[]")

    def token_ok(self, presented: str | None) -> bool:
        if self.token is None:
            return True
        return presented is not None and hmac.compare_digest(presented.encode(), self.token.encode())

    def url(self, shown_host: str | None = None) -> str:
        host = shown_host or ("127.0.0.1" if self.bind_host in ("0.0.0.0", "::") else self.bind_host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        query = f"?{urlencode({'token': self.token})}" if self.token else ""
        return f"http://{host}:{self.port}/{query}"


class AccessMiddleware:
    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response = self._refuse(request)
        if response is not None:
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                headers.append((b"x-frame-options", b"SAMEORIGIN"))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refuse(self, request: Request) -> Response | None:
        access = self.access
        if not access.allowed_host(request.headers.get("host", "")):
            return PlainTextResponse("unknown host name", status_code=421)
        query_token = request.query_params.get("token")
        if access.token is not None:
            if query_token is not None and access.token_ok(query_token) and request.method == "GET":
                clean = URL(str(request.url)).remove_query_params("token")
                redirect = RedirectResponse(clean.path + (f"?{clean.query}" if clean.query else ""), 303)
                redirect.set_cookie(COOKIE, access.token, httponly=True, samesite="strict")
                return redirect
            presented = request.cookies.get(COOKIE) or request.headers.get("x-droidcheck-token")
            if not access.token_ok(presented):
                return PlainTextResponse(
                    "This droidcheck page needs its access token: open the address 'droidcheck serve' printed "
                    "(it ends in ?token=…).", status_code=401)
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            if origin is not None and urlsplit(origin).netloc != request.headers.get("host", ""):
                return PlainTextResponse("cross-site request refused", status_code=403)
            csrf = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(csrf.encode(), access.csrf.encode()):
                return PlainTextResponse("missing or wrong CSRF token: reload the page", status_code=403)
        return None
