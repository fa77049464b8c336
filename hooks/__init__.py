"""The Event Hooks Console: an Okta-compatible event hook service (Django app `hooks`).

Layers, top to bottom: a module imports only from its own layer's package and the layers
below it (pyproject.toml [tool.importlinter] checks this; README.md "Layers" explains it).

    apps
    signals, checks, urls, templatetags, management, tasks     wiring and entry points
    api, views, admin                                          HTTP
    forms
    eventhooks, selectors, access, receiver                    hook writes, page reads
    delivery                                                   the event path, top down:
    systemlog                                                    deliver, log, send
    outbound
    ops                                                        heartbeats, org URL, metrics
    catalog, expressions                                       plain Python, no Django
    models
    lib

Where a lower layer must set off something above it, it sends a Django signal and
hooks/signals.py connects the receiver: publishing's `outbox_written` (the delivery engine
enqueues the hooks after commit) and delivery's `hook_unhealthy` (eventhooks.services
deactivates the hook).
"""
