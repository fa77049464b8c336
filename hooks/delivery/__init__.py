"""The delivery engine: claims, sending, outcomes, retries, hook health, the sweeper,
redelivery, the delivery log.

It sits below eventhooks: when a hook must be deactivated, hook_health sends the
`hook_unhealthy` signal (hooks/delivery/signals.py) instead of importing eventhooks.

May import: hooks.lib, hooks.models, hooks.outbound, hooks.systemlog.
"""
