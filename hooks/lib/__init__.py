"""Leaf helpers with no knowledge of the event path: ids, encryption, params, bounded JSON,
Okta timestamps, prepared SQL for the hot paths.

May import: Django and the standard library only (hooks.models imports from here).
"""
