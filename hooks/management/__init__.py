"""manage.py commands: entry points. May import: the web layer (api, views) and everything
below it; not the other entry points (urls, tasks, signals, checks)."""
