"""Managing event hooks: validation, services, verification, challenge, preview, filter backtest.

May import: hooks.lib, hooks.models, hooks.catalog, hooks.expressions, hooks.outbound,
hooks.systemlog, hooks.delivery.
"""
