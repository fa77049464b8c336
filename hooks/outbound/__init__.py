"""Outbound HTTP to a hook's endpoint: transport, SSRF policy, deadlines, header rules, signing,
redaction, payloads.

May import: hooks.lib and hooks.models only.
"""
