"""A fix for Textual that the console applies before it draws anything.

Textual's StylesCache (one per widget, holding the widget's rendered lines) caches
`get_inner_outer` with `functools.lru_cache` on the method, so the cache's key holds the
StylesCache itself: the last 1,024 widgets stay alive with every line they drew, long
after they left the screen. Each dialog the room opens (a note, a severity) adds its
widgets, and the cyclic collector's full passes walk all of it: on a long incident a
pass grew past 200 ms, a key press that stalled. The colours are what the result depends
on, so the cache here is keyed by them alone.
"""

from __future__ import annotations

from functools import lru_cache


def release_styles_caches() -> bool:
    """Key StylesCache.get_inner_outer's cache by its colours only (once; a Textual that
    no longer caches on the method is left alone). Whether the fix was applied."""
    from textual._styles_cache import StylesCache

    method = StylesCache.get_inner_outer
    compute = getattr(method, "__wrapped__", None)
    if compute is None or not hasattr(method, "cache_clear"):
        return False

    @lru_cache(1024)
    def by_colours(base_background, background):
        return compute(None, base_background, background)

    def get_inner_outer(self, base_background, background):
        return by_colours(base_background, background)

    get_inner_outer.__wrapped__ = compute  # type: ignore[attr-defined]
    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign,assignment]
    method.cache_clear()
    return True
