"""The Deliveries tab's rows are made in Python (hooks.views.delivery_rows) with the rules of
the template filters they replace: the same text, whatever the value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat, truncatechars
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from hooks.models import Delivery, DeliveryAttempt
from hooks.views.delivery_rows import _milliseconds, _truncated, delivery_rows

BOUNDED = settings(max_examples=300, deadline=None, database=None)


@BOUNDED
@given(st.one_of(st.just(0.0), st.floats(min_value=1e-9, max_value=1e7)))
def test_durations_round_as_floatformat_0(duration):
    # (Below ~1e-180 ms floatformat gives its input back unrounded, against denial of
    # service by huge exponents; such a duration shows as "0 ms" here.)
    assert _milliseconds(duration) == f"{floatformat(duration, 0)} ms"


@pytest.mark.parametrize("duration", [0.5, 1.5, 2.5, 42.5, 0.49999, 1234.49, 2.675])
def test_halves_round_up_as_floatformat_does(duration):
    assert _milliseconds(duration) == f"{floatformat(duration, 0)} ms"


@BOUNDED
@given(
    st.text(alphabet=st.sampled_from("ab é\u0301\u0308<&…"), max_size=60),
    st.integers(min_value=1, max_value=50),
)
def test_truncation_is_truncatechars(text, limit):
    """Combining characters do not count toward the limit; both give NFC text."""
    assert _truncated(text, limit) == truncatechars(text, limit)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns"])
def test_times_read_as_the_date_filter_shows_them(make_hook, zone):
    hook = make_hook(name="Rows", event_types=["user.lifecycle.create"])
    moment = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)
    delivery = Delivery.objects.create(
        hook=hook, status="PENDING", attempt_count=1, next_attempt_at=moment + timedelta(hours=2)
    )
    DeliveryAttempt.objects.create(delivery=delivery, number=1, started_at=moment)
    Delivery.objects.filter(pk=delivery.pk).update(created_at=moment)
    delivery.refresh_from_db()
    template = Template(
        '{{ c|date:"c" }}|{{ c|date:"Y-m-d H:i:s" }}|{{ n|date:"Y-m-d H:i:s" }}|'
        '{{ s|date:"Y-m-d H:i:s" }}'
    )
    with timezone.override(zone):
        [row] = delivery_rows([delivery], hook=hook, now=timezone.now())
        expected = template.render(
            Context({"c": moment, "n": delivery.next_attempt_at, "s": moment})
        )
    made = f"{row['created_iso']}|{row['created']}|{row['next_attempt']}|"
    assert made + row["attempts"][0]["started"] == expected


def test_templates_are_parsed_once_per_process():
    """The cached loader (Django's default when TEMPLATES names no loaders, DEBUG or not):
    the deliveries list would otherwise be read and parsed on every poll."""
    from django.template import engines
    from django.template.loaders.cached import Loader

    [loader] = engines["django"].engine.template_loaders
    assert isinstance(loader, Loader)
    first = loader.get_template("hooks/_delivery_list.html")
    assert loader.get_template("hooks/_delivery_list.html") is first
