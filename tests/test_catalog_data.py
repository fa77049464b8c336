"""Checks on the event catalog data and sample LogEvents (plain pytest, no Django)."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from hooks.catalog import (
    AUDIT_EVENT_TYPES,
    CATALOG_PATH,
    CATEGORIES,
    CONCEPTS_SAMPLE_EVENT,
    DEACTIVATE_SAMPLE_EVENT,
    ENTRY_KEYS,
    get_catalog_entry,
    load_catalog_entries,
    sample_log_event,
)

EXPECTED_CATEGORIES = {
    "User lifecycle",
    "User account",
    "Sessions and authentication",
    "MFA and authenticators",
    "Risk and identity verification",
    "Groups",
    "Applications",
    "App access and OAuth",
    "Policies",
    "Security and org settings",
    "Devices",
    "Identity governance",
    "Admin roles and resource sets",
    "Workload identities and AI agents",
    "Resource servers",
    "System",
    "Event hooks",
}

# Per-prefix counts of Okta's hook-eligible names (reference Appendix A).
ELIGIBLE_PREFIX_COUNTS = {
    "access": 22,
    "app": 38,
    "application": 26,
    "certification": 5,
    "device": 8,
    "entitlement": 3,
    "governance": 2,
    "group": 10,
    "iam": 18,
    "inline_hook": 1,
    "policy": 18,
    "resource": 26,
    "resource_servers": 29,
    "security": 10,
    "system": 30,
    "user": 43,
    "workload_principal": 25,
}

SPOT_CHECK_ELIGIBLE = [
    "user.lifecycle.create",
    "user.lifecycle.deactivate",
    "user.session.start",
    "user.account.unlock_by_admin",
    "user.authentication.auth_via_IDP",
    "user.import.password",
    "group.user_membership.add",
    "application.provision.group_push.mapping.update.or.delete.failed.with.error",
    "app.oauth2.as.consent.revoke.implicit.scope",
    "app.ad.password_migration_campaign.user.migrate.end",
    "inline_hook.executed",
    "system.voice.send_phone_verification_call",
    "security.breached_credential.detected",
    "resource_servers.virtual_mcp_server.capability.update",
    "workload_principal.ai_agent.credential.delete",
    "iam.role.permission.conditions.delete",
    "access.request.condition.invalidate",
    "certification.campaign.item.remediate",
    "device.user.remove",
]

SPOT_CHECK_BETA = [
    "policy.branch.lifecycle.promote",
    "resource.user_entitlements.drift.detect",
    "entitlement.migration.fail",
    "governance.settings.update",
    "system.mfa.preregister.initiate",
    "system.import.entitlement.upper_limit_exceeded",
    "user.chrome.data.clear",
    "workload_principal.ai_agent.register",
]

SPOT_CHECK_NOT_BETA = [
    "workload_principal.ai_agent.credential.create",
    "workload_principal.register",
    "policy.rule.add",
    "policy.auth_reevaluate.fail",
    "user.session.start",
]

NOT_IN_CATALOG = ["user.account.unlock_token", "inline_hook.response.processed", "foo.bar"]

TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

LOG_EVENT_KEYS = [
    "uuid",
    "published",
    "eventType",
    "version",
    "displayMessage",
    "severity",
    "client",
    "device",
    "actor",
    "outcome",
    "target",
    "transaction",
    "debugContext",
    "legacyEventType",
    "authenticationContext",
    "securityContext",
    "request",
    "insertionTimestamp",
]
PARTY_KEYS = ["id", "type", "alternateId", "displayName", "detailEntry"]


@pytest.fixture(scope="module")
def entries():
    return load_catalog_entries()


@pytest.fixture(scope="module")
def by_name(entries):
    return {entry["name"]: entry for entry in entries}


def _eligible(entries):
    return [entry for entry in entries if entry["hook_eligible"]]


# The catalog file


def test_file_is_a_json_array_with_the_exact_keys():
    raw = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    assert isinstance(raw, list)
    for entry in raw:
        assert list(entry) == list(ENTRY_KEYS)


def test_it_has_exactly_314_eligible_types(entries):
    assert len(_eligible(entries)) == 314


def test_it_has_exactly_50_beta_types_all_eligible(entries):
    beta = [entry for entry in entries if entry["beta"]]
    assert len(beta) == 50
    assert all(entry["hook_eligible"] for entry in beta)


def test_it_holds_only_eligible_types_and_the_audit_types(entries):
    not_eligible = {entry["name"] for entry in entries if not entry["hook_eligible"]}
    assert not_eligible == set(AUDIT_EVENT_TYPES)
    assert len(entries) == 314 + len(AUDIT_EVENT_TYPES)


def test_names_are_unique_and_sorted(entries):
    names = [entry["name"] for entry in entries]
    assert len(names) == len(set(names))
    assert names == sorted(names)


def test_names_are_lower_dotted(entries):
    for entry in entries:
        # Okta keeps one capitalised segment: user.authentication.auth_via_IDP.
        assert re.fullmatch(r"[a-z0-9_]+(\.[A-Za-z0-9_]+)*", entry["name"]), entry["name"]


def test_eligible_counts_per_prefix_match_appendix_a(entries):
    counts = Counter(entry["name"].split(".", 1)[0] for entry in _eligible(entries))
    assert dict(counts) == ELIGIBLE_PREFIX_COUNTS
    assert sum(ELIGIBLE_PREFIX_COUNTS.values()) == 314


@pytest.mark.parametrize("name", SPOT_CHECK_ELIGIBLE)
def test_spot_check_eligible(by_name, name):
    assert by_name[name]["hook_eligible"] is True


@pytest.mark.parametrize("name", SPOT_CHECK_BETA)
def test_spot_check_beta(by_name, name):
    assert by_name[name]["beta"] is True


@pytest.mark.parametrize("name", SPOT_CHECK_NOT_BETA)
def test_spot_check_not_beta(by_name, name):
    assert by_name[name]["beta"] is False


def test_beta_is_policy_branches_governance_resources_and_a_few_others(entries):
    beta = {entry["name"] for entry in entries if entry["beta"]}
    prefixes = Counter(name.split(".", 1)[0] for name in beta)
    assert prefixes == {
        "resource": 26,
        "policy": 9,
        "workload_principal": 7,
        "entitlement": 3,
        "governance": 2,
        "system": 2,
        "user": 1,
    }
    assert all(name.startswith("policy.branch.") for name in beta if name.startswith("policy."))


@pytest.mark.parametrize("name", NOT_IN_CATALOG)
def test_ineligible_okta_types_are_absent(by_name, name):
    assert name not in by_name


def test_labels_are_unique_sentence_case_and_non_empty(entries):
    labels = [entry["label"] for entry in entries]
    assert all(label.strip() == label and label for label in labels)
    assert len(labels) == len(set(labels))
    for label in labels:
        assert label[0].isupper(), label
        assert not label.endswith("."), label


def test_descriptions_are_single_sentences_and_unique(entries):
    descriptions = [entry["description"] for entry in entries]
    assert len(descriptions) == len(set(descriptions))
    for description in descriptions:
        assert description[0].isupper(), description
        assert description.endswith("."), description
        assert description.count(". ") == 0, description


def test_display_messages_are_non_empty(entries):
    for entry in entries:
        assert entry["display_message"].strip(), entry["name"]


def test_categories_come_from_the_fixed_set(entries):
    assert set(CATEGORIES) == EXPECTED_CATEGORIES
    used = {entry["category"] for entry in entries}
    assert used == EXPECTED_CATEGORIES


def test_actor_and_target_types_are_well_formed(entries):
    for entry in entries:
        assert entry["actor_type"] in {"User", "PublicClientApp", "SystemPrincipal"}
        assert isinstance(entry["target_types"], list)
        for type_ in entry["target_types"]:
            assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", type_), (entry["name"], type_)


@pytest.mark.parametrize(
    ("name", "category", "targets"),
    [
        ("user.lifecycle.create", "User lifecycle", ["User"]),
        ("group.user_membership.add", "Groups", ["User", "UserGroup"]),
        ("application.lifecycle.create", "Applications", ["AppInstance"]),
        ("user.authentication.sso", "Sessions and authentication", ["AppInstance"]),
        ("event_hook.delivery", "Event hooks", ["EventHook"]),
    ],
)
def test_typical_entries(by_name, name, category, targets):
    assert by_name[name]["category"] == category
    assert by_name[name]["target_types"] == targets


def test_known_labels_and_display_messages(by_name):
    assert by_name["user.lifecycle.create"]["label"] == "User created"
    assert by_name["user.lifecycle.create"]["display_message"] == "Add user to Okta user directory"
    assert by_name["user.account.update_password"]["label"] == "User's Okta password changed"
    assert by_name["group.user_membership.add"]["label"] == "Group membership added"
    assert by_name["user.session.start"]["display_message"] == "User login to Okta"


# Audit types


def test_audit_types_are_present_and_not_eligible(by_name):
    assert len(AUDIT_EVENT_TYPES) == len(set(AUDIT_EVENT_TYPES)) == 14
    for name in AUDIT_EVENT_TYPES:
        entry = by_name[name]
        assert entry["hook_eligible"] is False
        assert entry["beta"] is False
        assert entry["category"] == "Event hooks"


def test_event_hooks_category_holds_only_audit_types(entries):
    names = {entry["name"] for entry in entries if entry["category"] == "Event hooks"}
    assert names == set(AUDIT_EVENT_TYPES)


# Loader


def test_loader_returns_copies(entries):
    first = load_catalog_entries()
    first[0]["label"] = "changed"
    first[0]["target_types"].append("Changed")
    second = load_catalog_entries()
    assert second[0]["label"] != "changed"
    assert "Changed" not in second[0]["target_types"]
    assert second == entries


def test_get_catalog_entry(by_name):
    assert get_catalog_entry("user.session.start") == by_name["user.session.start"]
    assert get_catalog_entry("no.such.type") is None


# sample_log_event


def _assert_all_null_party(party, type_):
    assert list(party) == PARTY_KEYS
    assert party["type"] == type_
    assert party["id"] is None
    assert party["alternateId"] is None
    assert party["displayName"] is None
    assert party["detailEntry"] is None


def test_sample_has_the_log_event_keys_in_order():
    event = sample_log_event("user.lifecycle.create")
    assert list(event) == LOG_EVENT_KEYS


def test_sample_fills_type_message_and_constants():
    event = sample_log_event("group.user_membership.add")
    assert event["eventType"] == "group.user_membership.add"
    assert event["displayMessage"] == "Add user to group membership"
    assert event["version"] == "0"
    assert event["severity"] == "INFO"
    assert event["outcome"] == {"result": "SUCCESS", "reason": None}


def test_sample_shapes_actor_and_targets_from_the_catalog(by_name):
    for name in [
        "group.user_membership.add",
        "system.org.rate_limit.warning",
        "app.oauth2.token.grant.interclient_token",
    ]:
        entry = by_name[name]
        event = sample_log_event(name)
        _assert_all_null_party(event["actor"], entry["actor_type"])
        assert [t["type"] for t in event["target"]] == entry["target_types"]
        for target in event["target"]:
            _assert_all_null_party(target, target["type"])


def test_sample_undetermined_fields_are_null():
    event = sample_log_event("user.account.lock")
    client = event["client"]
    assert list(client) == [
        "userAgent",
        "zone",
        "device",
        "id",
        "ipAddress",
        "geographicalContext",
    ]
    assert client["userAgent"] == {"rawUserAgent": None, "os": None, "browser": None}
    assert client["zone"] is None and client["device"] is None
    assert client["id"] is None and client["ipAddress"] is None
    assert client["geographicalContext"] == {
        "city": None,
        "state": None,
        "country": None,
        "postalCode": None,
        "geolocation": {"lat": None, "lon": None},
    }
    assert event["device"] is None
    assert event["transaction"] == {"type": None, "id": None, "detail": {}}
    assert set(event["debugContext"]) == {"debugData"}
    assert all(value is None for value in event["debugContext"]["debugData"].values())
    assert event["legacyEventType"] is None
    auth = event["authenticationContext"]
    assert auth["authenticationStep"] == 0
    assert all(value is None for key, value in auth.items() if key != "authenticationStep")
    assert list(event["securityContext"]) == ["asNumber", "asOrg", "isp", "domain", "isProxy"]
    assert all(value is None for value in event["securityContext"].values())
    assert event["request"] == {"ipChain": []}
    assert event["insertionTimestamp"] is None


def test_sample_uuid_and_published_are_fresh():
    before = datetime.now(UTC) - timedelta(seconds=1)
    first = sample_log_event("user.session.start")
    second = sample_log_event("user.session.start")
    after = datetime.now(UTC) + timedelta(seconds=1)
    assert UUID_RE.match(first["uuid"])
    assert first["uuid"] != second["uuid"]
    assert first["uuid"][14] == "1"  # version digit of a time-based UUID
    assert TIMESTAMP_RE.match(first["published"])
    published = datetime.strptime(first["published"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert before <= published.replace(tzinfo=UTC) <= after


def test_sample_label_overrides_display_message():
    event = sample_log_event("user.session.start", label="Custom message")
    assert event["displayMessage"] == "Custom message"


def test_sample_for_unknown_type_keeps_the_shape():
    event = sample_log_event("custom.thing.happened", label="Custom thing")
    assert list(event) == LOG_EVENT_KEYS
    assert event["eventType"] == "custom.thing.happened"
    assert event["displayMessage"] == "Custom thing"
    assert event["target"] == []
    _assert_all_null_party(event["actor"], "User")
    assert sample_log_event("custom.thing.happened")["displayMessage"] is None


def test_samples_are_independent_and_json_serialisable():
    first = sample_log_event("user.lifecycle.create")
    first["target"][0]["id"] = "00u1"
    second = sample_log_event("user.lifecycle.create")
    assert second["target"][0]["id"] is None
    json.dumps(first)


@pytest.mark.parametrize("name", ["user.lifecycle.create", *AUDIT_EVENT_TYPES])
def test_every_kind_of_entry_builds_a_sample(name):
    assert sample_log_event(name)["eventType"] == name


def test_all_catalog_entries_build_a_sample(entries):
    for entry in entries:
        event = sample_log_event(entry["name"])
        assert event["displayMessage"] == entry["display_message"]


# Fixture events


@pytest.mark.parametrize(
    ("event", "event_type"),
    [
        (CONCEPTS_SAMPLE_EVENT, "user.session.start"),
        (DEACTIVATE_SAMPLE_EVENT, "user.lifecycle.deactivate"),
    ],
)
def test_fixture_events_are_full_log_events(by_name, event, event_type):
    assert list(event) == LOG_EVENT_KEYS
    assert event["eventType"] == event_type
    assert event["displayMessage"] == by_name[event_type]["display_message"]
    assert event["version"] == "0"
    assert UUID_RE.match(event["uuid"])
    assert event["uuid"][14] == "1"
    assert TIMESTAMP_RE.match(event["published"])
    assert event["outcome"]["result"] == "SUCCESS"
    assert event["actor"]["type"] == "User"
    assert re.fullmatch(r"00u[A-Za-z0-9]{17}", event["actor"]["id"])
    assert list(event["actor"]) == PARTY_KEYS
    for target in event["target"]:
        assert list(target) == PARTY_KEYS
        assert len(target["id"]) == 20
    assert event["request"]["ipChain"]
    assert event["insertionTimestamp"] is None
    # Round-trips through JSON unchanged.
    assert json.loads(json.dumps(event)) == copy.deepcopy(event)


def test_concepts_sample_has_client_ip_chain():
    assert CONCEPTS_SAMPLE_EVENT["client"]["ipChain"][0]["version"] == "V4"
    assert CONCEPTS_SAMPLE_EVENT["legacyEventType"] == "core.user_auth.login_success"


def test_deactivate_sample_targets_a_user_and_names_the_hook():
    target = DEACTIVATE_SAMPLE_EVENT["target"][0]
    assert target["type"] == "User"
    assert re.fullmatch(r"00u[A-Za-z0-9]{17}", target["id"])
    hook_id = DEACTIVATE_SAMPLE_EVENT["debugContext"]["debugData"]["targetEventHookIds"]
    assert re.fullmatch(r"who[A-Za-z0-9]{17}", hook_id)
