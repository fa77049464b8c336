"""The System Log: event shapes, the EventType table, publishing events (with matching them
to hooks: the outbox), querying and scanning the log, Django auth signals as events.

It sits below the delivery engine: publishing announces new outbox rows with the
`outbox_written` signal (hooks/systemlog/signals.py) instead of importing delivery.

May import: hooks.lib, hooks.models, hooks.catalog, hooks.expressions.
"""
