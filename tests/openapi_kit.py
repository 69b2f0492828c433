"""The server's published OpenAPI document as a test oracle: real httpx exchanges are
checked against it with openapi-core (the request, when the test means it to be valid or
invalid, and always the response: its status must be listed for the route, its body must
fit the schema, where replies forbid fields the document does not name, and its declared
headers must be there)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from console.sync.openapi import PATH

DOCUMENT = json.loads(PATH.read_text("utf-8"))
SPEC = OpenAPI.from_dict(DOCUMENT)


class _Request:
    """openapi-core's Request protocol over an httpx.Request."""

    def __init__(self, request: httpx.Request):
        url = urlsplit(str(request.url))
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = url.path
        self.method = request.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(httpx.QueryParams(url.query).multi_items()),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )
        self.content_type = request.headers.get("content-type", "").lower()
        self.body = request.content or None


class _Response:
    def __init__(self, response: httpx.Response):
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "").lower()
        self.headers = Headers(list(response.headers.items()))
        self.data = response.content


def checked(response: httpx.Response, *, valid_request: bool | None = True) -> httpx.Response:
    """`response`, after checking it against the document (raises when it does not fit).
    valid_request: True, the document must accept the request too; False, it must refuse
    it (a request the server refuses); None, the request is not looked at (a body the
    document cannot judge, such as one over the size limit)."""
    request = _Request(response.request)
    if valid_request is not None:
        refused = SPEC.unmarshal_request(request).errors
        if valid_request:
            assert not refused, f"the document refuses a request the server takes: {refused}"
        else:
            assert refused, "the document accepts a request the server refuses"
    SPEC.validate_response(request, _Response(response))
    return response
