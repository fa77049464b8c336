"""Leaf helpers with no knowledge of the event path: ids, encryption, params, bounded JSON, the org
URL.

May import: Django and the standard library only (hooks.models imports from here).
"""
