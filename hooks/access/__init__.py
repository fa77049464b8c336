"""Who may use the console and the API: API tokens, the login throttle, the admin site.

May import: hooks.lib, hooks.models.
"""
