"""The console's pages (htmx): hooks, deliveries, System Log, catalog, tokens;
/healthz and /metrics (monitoring).

May import: hooks.forms and the layers below the web layer; not hooks.api.
"""
