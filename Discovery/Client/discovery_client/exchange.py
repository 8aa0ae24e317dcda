"""
# Posting an Rpc's body straight to a server's transport

`httpx.Client.post` rebuilds everything about a request on every call: it parses and merges the
URL, merges the client's headers, cookies and timeouts into new objects, runs the redirect loop,
hands every response to the cookie jar (through urllib's request and email's message types) and
logs it. Measured on a cache-hit server, that took more client CPU per call than the transport
below it. A Discovery client posts the same kind of request to the same few URLs all the time,
so `Exchange` makes the per-server part once (headers, timeouts) and per call builds only the
`httpx.Request`, runs the client's `httpx.Auth` flow (as `httpx.Client` does: a flow may send
again, e.g. after a 401) and sends it on the transport. Cookies keep working: they are attached
while the client holds any, and taken from responses that set some.

Used only with the client's own `LeanTransport` on servers that no proxy setting applies to
(`direct`); everything else goes through `httpx.Client.post` as before.
"""

from __future__ import annotations

from urllib.request import getproxies, proxy_bypass

import httpx

JSON_BODY = {"content-type": "application/json"}


def direct(url: str) -> bool:
    """Whether requests to `url` may skip `httpx.Client`'s proxy routing: plain http, and no proxy set for its host
    (any proxy variable that might apply keeps httpx's own routing, which reads them all)."""
    parsed = httpx.URL(url)
    if parsed.scheme != "http":
        return False
    proxies = getproxies()
    return not (proxies.get("http") or proxies.get("all")) or bool(proxy_bypass(parsed.host))


class Exchange:
    """Sends POSTs with a JSON body for one `httpx.Client` over `transport`, with the client's headers, timeouts,
    auth and cookies."""

    def __init__(self, http: httpx.Client, transport: httpx.BaseTransport, auth: httpx.Auth | None) -> None:
        self._http = http
        self._transport = transport
        self._auth = auth
        headers = httpx.Headers(http.headers)
        headers.update(JSON_BODY)
        headers["Host"] = http.base_url.netloc.decode("ascii")
        self._headers = headers
        self._extensions = {"timeout": http.timeout.as_dict()}

    def post(self, url: httpx.URL, body: bytes) -> httpx.Response:
        # With `stream` rather than `content`, httpx.Request copies the headers once instead of merging them again.
        request = httpx.Request("POST", url, headers=self._headers, stream=httpx.ByteStream(body), extensions=self._extensions)
        request.headers["Content-Length"] = str(len(body))
        if self._http.cookies:
            self._http.cookies.set_cookie_header(request)
        if self._auth is None:
            return self._send(request)
        flow = self._auth.sync_auth_flow(request)
        try:
            request = next(flow)
            while True:
                response = self._send(request)
                try:
                    request = flow.send(response)
                except StopIteration:
                    return response
        finally:
            flow.close()

    def _send(self, request: httpx.Request) -> httpx.Response:
        response = self._transport.handle_request(request)
        response.request = request
        try:
            response.read()
        finally:
            response.close()
        if "set-cookie" in response.headers:
            self._http.cookies.extract_cookies(response)
        return response
