"""The webhook receiver used by tests, bench and the hooks_receiver command.

Runs without Django. May import: the standard library and hooks.outbound.signing (it checks
signatures with the very code that makes them).
"""
