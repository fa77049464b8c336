"""The webhook receiver used by tests, bench and the hooks_receiver command.

May import: the standard library and hooks.lib only.
"""
