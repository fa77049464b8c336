"""Filter cost is bounded (nesting limit, step budget) and paid outside the write lock."""

from __future__ import annotations

import pytest

from hooks.expressions import CompiledExpression, EvaluationError, ExpressionError
from hooks.expressions import compile_expression as compile_
from hooks.models import Event, EventHook, OutboxEntry
from hooks.systemlog.publishing import event_publish

# Two levels of selection: N x N element visits on an event with N targets.
TWO_LEVELS = "event.target.?[event.target.?[id eq 'nobody'].size() > 0].size() > 0"
THREE_LEVELS = (
    "event.target.?[event.target.?[event.target.?[id eq 'x'].size() > 0].size() > 0].size() > 0"
)


class CountingDict(dict):
    """A target element that counts how often a filter reads one of its fields."""

    reads = 0

    def __getitem__(self, key):
        CountingDict.reads += 1
        return super().__getitem__(key)

    def get(self, key, default=None):
        CountingDict.reads += 1
        return super().get(key, default)


def event_with_targets(count: int, factory=dict) -> dict:
    return {
        "eventType": "group.user_membership.add",
        "target": [factory(id=f"00g{i:05d}", type="UserGroup") for i in range(count)],
    }


def test_a_third_level_of_selection_is_refused_with_the_column():
    with pytest.raises(ExpressionError) as caught:
        compile_(THREE_LEVELS)
    error = caught.value
    assert error.position == THREE_LEVELS.index(".?[", THREE_LEVELS.index(".?[", 15) + 1) + 1
    assert "at most 2" in error.message and ".?[" in error.message


def test_two_levels_of_selection_are_allowed():
    assert compile_(TWO_LEVELS).evaluate(event_with_targets(3)) is False


@pytest.mark.django_db
def test_a_nested_filter_is_refused_at_write_time_with_its_cause(api, hook_body):
    hook_body["events"]["filter"] = {
        "type": "EXPRESSION_LANGUAGE",
        "eventFilterMap": [
            {"event": "group.user_membership.add", "condition": {"expression": THREE_LEVELS}}
        ],
    }
    response = api.post("/api/v1/eventHooks", hook_body, format="json")
    assert response.status_code == 400
    [cause] = [c["errorSummary"] for c in response.json()["errorCauses"]]
    assert cause.startswith("events.filter.eventFilterMap[group.user_membership.add]: Column ")
    assert "at most 2" in cause


def test_evaluation_stops_at_the_step_budget_counting_its_work():
    CountingDict.reads = 0
    event = event_with_targets(1000, CountingDict)  # 1,000,000 visits without a budget
    with pytest.raises(EvaluationError, match="more than 5,000"):
        compile_(TWO_LEVELS).evaluate(event, max_steps=5000)
    assert CountingDict.reads <= 2 * 5000


def test_the_budget_does_not_change_cheap_results():
    event = event_with_targets(50)
    event["target"][-1]["id"] = "nobody"
    assert compile_(TWO_LEVELS).evaluate(event, max_steps=5000) is True
    assert compile_("event.target.?[id eq 'nobody'].size() > 0").evaluate(event, max_steps=50)


@pytest.fixture
def filtered_hook(make_hook):
    """make(expression): a VERIFIED hook on group.user_membership.add with that filter."""

    def make(expression: str) -> EventHook:
        return make_hook(
            event_types=["group.user_membership.add"],
            filters={"group.user_membership.add": expression},
            verified=True,
        )

    return make


@pytest.mark.django_db
def test_a_costly_filter_on_a_large_event_is_no_match_and_a_logged_error(
    filtered_hook, settings, monkeypatch
):
    settings.HOOKS_FILTER_MAX_STEPS = 5000
    hook = filtered_hook(TWO_LEVELS)
    visits = []
    real_evaluate = CompiledExpression.evaluate

    def counting_evaluate(self, event, **kwargs):
        CountingDict.reads = 0
        counted = {**event, "target": [CountingDict(t) for t in event["target"]]}
        try:
            return real_evaluate(self, counted, **kwargs)
        finally:
            visits.append(CountingDict.reads)

    monkeypatch.setattr(CompiledExpression, "evaluate", counting_evaluate)
    result = event_publish(events=[{**event_with_targets(400), "uuid": "large"}])
    assert result.match_count == 0
    assert not OutboxEntry.objects.filter(hook=hook).exists()
    assert visits and max(visits) <= 2 * 5000  # 160,000 visits without the budget
    [warning] = Event.objects.filter(event_type="event_hook.filter.error")
    assert warning.data["target"][0]["id"] == hook.id
    assert "5,000" in warning.data["outcome"]["reason"]


@pytest.mark.django_db(transaction=True)
def test_filters_are_evaluated_before_the_write_transaction(filtered_hook, monkeypatch):
    from django.db import connection

    hook = filtered_hook("event.target.?[type eq 'UserGroup'].size() > 0")
    in_atomic = []
    real_evaluate = CompiledExpression.evaluate

    def recording_evaluate(self, event, **kwargs):
        in_atomic.append(connection.in_atomic_block)
        return real_evaluate(self, event, **kwargs)

    monkeypatch.setattr(CompiledExpression, "evaluate", recording_evaluate)
    result = event_publish(events=[{**event_with_targets(2), "uuid": f"e{i}"} for i in range(3)])
    assert in_atomic == [False, False, False]
    assert result.match_count == 3
    assert OutboxEntry.objects.filter(hook=hook).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_hook_changed_between_matching_and_writing_is_matched_again(filtered_hook, monkeypatch):
    """The outbox follows the hook set read inside the transaction, not a stale one."""
    import hooks.systemlog.publishing as publishing

    hook = filtered_hook("event.target.?[type eq 'UserGroup'].size() > 0")
    real_read = publishing._deliverable_hooks
    reads = []

    def deactivate_after_first_read():
        hooks = real_read()
        reads.append(len(hooks))
        if len(reads) == 1:  # a concurrent deactivation, after the matching read
            EventHook.objects.filter(pk=hook.pk).update(status="INACTIVE")
        return hooks

    monkeypatch.setattr(publishing, "_deliverable_hooks", deactivate_after_first_read)
    result = event_publish(events=[{**event_with_targets(2), "uuid": "late"}])
    assert result.match_count == 0
    assert not OutboxEntry.objects.exists()


@pytest.mark.django_db
def test_a_backtest_stops_when_its_total_budget_is_spent(settings):
    from hooks.eventhooks.backtest import backtest

    settings.HOOKS_FILTER_MAX_STEPS = 1000
    settings.HOOKS_FILTER_BACKTEST_MAX_STEPS = 5000
    Event.objects.bulk_create(
        Event(
            uuid=f"big-{i}",
            published=f"2026-01-01T00:00:{i:02d}Z",
            event_type="group.user_membership.add",
            data=event_with_targets(100),
        )
        for i in range(20)
    )
    result = backtest(event_type="group.user_membership.add", expression=TWO_LEVELS)
    assert result.errors == result.total  # each event costs 10,000 > 1,000: no match
    assert result.matched == 0
    assert result.total <= 5000 // 1000 + 1  # stopped early, not all 20
    assert "budget" in result.stopped


def test_a_stopped_backtest_says_so_on_the_api_and_in_the_console(settings, api):
    settings.HOOKS_FILTER_MAX_STEPS = 1000
    settings.HOOKS_FILTER_BACKTEST_MAX_STEPS = 5000
    Event.objects.bulk_create(
        Event(
            uuid=f"big-{i}",
            published=f"2026-01-01T00:00:{i:02d}Z",
            event_type="group.user_membership.add",
            data=event_with_targets(100),
        )
        for i in range(20)
    )
    answer = api.post(
        "/api/v1/filters/test",
        {"eventType": "group.user_membership.add", "expression": TWO_LEVELS},
        format="json",
    )
    assert answer.status_code == 200
    assert "budget" in answer.json()["stopped"]

    # The console's live check renders the same result.
    from types import SimpleNamespace

    from django.template.loader import render_to_string
    from django.utils.html import escape

    from hooks.eventhooks.backtest import backtest

    result = backtest(event_type="group.user_membership.add", expression=TWO_LEVELS)
    section = SimpleNamespace(
        event_type="group.user_membership.add",
        check={"expression": TWO_LEVELS, "problem": None, "result": result},
    )
    html = render_to_string("hooks/_filter_check.html", {"section": section})
    assert escape(result.stopped) in html
