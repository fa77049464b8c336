"""Template helpers of the console: a hook's deliveries chart, pretty JSON, query-string edits."""

from __future__ import annotations

import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from hooks.views.charts import deliveries_chart_svg, deliveries_chart_table

register = template.Library()


@register.simple_tag
def deliveries_chart(buckets, title: str = "Delivery health") -> SafeString:
    """Inline SVG of a hook's last 24 hours (see hooks.views.charts), with its numbers as a
    visually hidden table. On phones the frame scrolls sideways rather than shrinking the
    chart's text to nothing; tabindex lets keyboards scroll it too."""
    return format_html(
        '<div class="chart-frame" tabindex="0" role="group" aria-label="{}">{}{}</div>',
        title,
        deliveries_chart_svg(buckets, title=title),
        deliveries_chart_table(buckets, caption=f"{title}, hours with deliveries"),
    )


@register.filter
def pretty_json(value) -> str:
    """Indented JSON text (escaped by the template like any string)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with `changes` applied (None or "" removes a key)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping, key):
    """mapping[key], or None (dictionary lookups with a variable key)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag(takes_context=True)
def nav_section(context) -> str:
    """Which main navigation entry the current page belongs to."""
    match = getattr(context.get("request"), "resolver_match", None)
    name = getattr(match, "url_name", "") or ""
    if name in ("catalog", "event-type-detail"):
        return "catalog"
    if name == "system-log":
        return "logs"
    if name.startswith("token"):
        return "tokens"
    if name.startswith("source"):
        return "sources"
    return "hooks"
