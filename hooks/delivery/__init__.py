"""The delivery engine: matching events to hooks, claims, sending, outcomes, retries, hook health,
the sweeper, redelivery.

May import: hooks.lib, hooks.models, hooks.expressions, hooks.outbound, hooks.systemlog.
"""
