"""Bearer tokens, and who a client is.

Bound to loopback without a token, every request is served and all of them are one
client (``"loopback"``). With a token (required off loopback, see
:class:`~hashwinter.web.settings.WebSettings`) every request, pages and static files
included, must send ``Authorization: Bearer <token>``; the comparison takes the same
time wherever the strings differ (:func:`hmac.compare_digest`), and the token is never
logged or echoed: a client is named by a short hash of it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from hashwinter.web.problems import problem_response

__all__ = ["LOOPBACK_CLIENT", "AuthMiddleware", "client_key", "token_matches"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The one client of a server without a token.
LOOPBACK_CLIENT = "loopback"


def client_key(token: str | None) -> str:
    """Return the name of the client holding ``token`` (a hash: the token itself is secret).

    >>> client_key(None)
    'loopback'
    >>> client_key("correct horse battery staple")[:6]
    'token:'

    """
    if token is None:
        return LOOPBACK_CLIENT
    return "token:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


def token_matches(header: str | None, token: str) -> bool:
    """Return whether an ``Authorization`` header carries ``token`` (constant-time compare).

    >>> token_matches("Bearer s3cret-s3cret-s3cret", "s3cret-s3cret-s3cret")
    True
    >>> token_matches("Bearer wrong", "s3cret-s3cret-s3cret"), token_matches(None, "x")
    (False, False)

    """
    if not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


class AuthMiddleware:
    """ASGI middleware: check the bearer token (when one is set) and name the client.

    The client's key is put in ``scope["state"]["client"]`` for the job limits.
    """

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token
        self.key = client_key(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 401 without the right token; otherwise name the client and pass on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.token is not None:
            header = None
            for name, value in scope.get("headers", ()):
                if name == b"authorization":
                    header = value.decode("latin-1")
                    break
            if not token_matches(header, self.token):
                why = "missing bearer token" if header is None else "wrong bearer token"
                response = problem_response(
                    401, f"{why}: send 'Authorization: Bearer <token>'",
                    instance=scope.get("path"), headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        scope.setdefault("state", {})["client"] = self.key
        await self.app(scope, receive, send)
