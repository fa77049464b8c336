"""The REST API (/api/v1): DRF views, serializers, Okta error objects, SSWS authentication,
rate limits, the OpenAPI schema.

May import: the layers below the web layer (eventhooks, selectors, access, delivery,
systemlog, outbound, ops, catalog, expressions, models, lib); not hooks.views or hooks.forms.
"""
