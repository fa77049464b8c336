"""Outbound HTTP to a hook's endpoint: transport, SSRF policy, deadlines, header rules, signing,
redaction, payloads, and what every request to one hook carries (endpoint).

May import: hooks.lib, hooks.models, hooks.ops (the org URL, for the envelope's `source`).
"""
