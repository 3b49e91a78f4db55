"""Cross-origin isolation: the headers that make `crossOriginIsolated` true in the browser, so
onnxruntime-web can run its WebAssembly with several threads (SharedArrayBuffer).

Every resource our pages load is same-origin (Whitenoise static files, our API, our photos), so
`require-corp` blocks nothing of ours.
"""
from __future__ import annotations

from functools import wraps

HEADERS = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}


def isolate(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def cross_origin_isolated(view):
    """Decorate a function view (or a class-based view's `dispatch`, with `method_decorator`)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        return isolate(view(*args, **kwargs))

    return wrapped
