"""The envelope's `source` names the address the console really serves, without
configuration (issue #11, item 5): `run_console` (make run) hands it to both its children,
`runserver` adopts it and records it for a qcluster started separately, and production
refuses to run workers without HOOKS_ORG_URL (hooks.E003)."""

from __future__ import annotations

import secrets
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.core.management import get_commands, load_command_class
from django.utils import timezone

from hooks.models import Heartbeat
from hooks.ops import org
from tests.cluster import ROOT, child_environment, free_port, running_cluster, wait_until
from tests.test_safe_defaults import run_python


@pytest.fixture
def no_org_url(settings, monkeypatch):
    """HOOKS_ORG_URL unset, in this process's settings and environment alike."""
    settings.HOOKS_ORG_URL = ""
    monkeypatch.delenv("HOOKS_ORG_URL", raising=False)
    org.forget_recorded_served_url()
    yield settings
    org.forget_recorded_served_url()


# --- make run: run_console's children -------------------------------------------------


def children_environment(host: str, port: int) -> dict[str, str]:
    from hooks.management.commands.run_console import Command

    return Command().children_environment(host, port)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:9123"),
        ("localhost", "http://localhost:9123"),
        ("::1", "http://[::1]:9123"),
        ("0.0.0.0", "http://127.0.0.1:9123"),  # every address: this machine's loopback is one
        ("::", "http://[::1]:9123"),
    ],
)
def test_run_console_children_get_the_address_it_serves(no_org_url, host, expected):
    assert children_environment(host, 9123)["HOOKS_ORG_URL"] == expected


@pytest.mark.django_db
def test_run_console_children_keep_a_configured_hooks_org_url(settings, monkeypatch):
    monkeypatch.setenv("HOOKS_ORG_URL", "https://hooks.example.org")
    settings.HOOKS_ORG_URL = "https://hooks.example.org"
    assert children_environment("127.0.0.1", 9123)["HOOKS_ORG_URL"] == "https://hooks.example.org"
    assert not Heartbeat.objects.filter(name__startswith="web@").exists()


@pytest.mark.django_db
def test_run_console_children_replace_an_empty_hooks_org_url(no_org_url, monkeypatch):
    monkeypatch.setenv("HOOKS_ORG_URL", "")
    assert children_environment("127.0.0.1", 9123)["HOOKS_ORG_URL"] == "http://127.0.0.1:9123"


# --- workers read what the web process recorded ---------------------------------------


@pytest.mark.django_db
def test_without_hooks_org_url_a_worker_uses_the_newest_served_address(no_org_url):
    now = timezone.now()
    Heartbeat.objects.create(name="web@http://127.0.0.1:8001", seen_at=now - timedelta(hours=1))
    Heartbeat.objects.create(name="web@http://127.0.0.1:8002", seen_at=now)
    assert org.org_url() == "http://127.0.0.1:8002"


@pytest.mark.django_db
def test_hooks_org_url_wins_over_a_recorded_address(no_org_url):
    Heartbeat.objects.create(name="web@http://127.0.0.1:8002", seen_at=timezone.now())
    no_org_url.HOOKS_ORG_URL = "https://hooks.example.org"
    assert org.org_url() == "https://hooks.example.org"


@pytest.mark.django_db
def test_nothing_recorded_and_nothing_set_is_the_local_default(no_org_url):
    assert org.org_url() == "http://127.0.0.1:8000"


# --- runserver ------------------------------------------------------------------------


def test_manage_py_runserver_is_ours_and_still_serves_no_static_files_itself():
    """Ours sets the org URL; whitenoise's wrapper (runserver_nostatic) must still apply."""
    from hooks.management.commands.runserver import Command as OurRunserver

    command = load_command_class(get_commands()["runserver"], "runserver")
    assert isinstance(command, OurRunserver)
    parser = command.create_parser("manage.py", "runserver")
    assert parser.get_default("use_static_handler") is False


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_runserver_and_a_separate_qcluster_send_the_served_address_as_source(
    no_org_url, tmp_path, receiver
):
    from tests.test_integration_cluster import make_hook, publish

    port = free_port()
    log = open(tmp_path / "runserver.log", "wb")  # noqa: SIM115 - closed below
    web = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=child_environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        served = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: Heartbeat.objects.filter(name=f"web@{served}").exists(),
            timeout=30,
            message=(tmp_path / "runserver.log").read_text(errors="replace"),
        )
        with running_cluster(tmp_path):
            hook, _ = make_hook(receiver)
            publish(1, prefix="source")
            [request] = receiver.wait_for_requests(1, timeout=15)
        assert request.json["source"] == f"{served}/api/v1/eventHooks/{hook.id}"
    finally:
        web.terminate()
        web.wait(timeout=10)
        log.close()


# --- production: hooks.E003 -----------------------------------------------------------


def test_production_without_hooks_org_url_is_an_error_that_says_what_to_set(settings):
    settings.DEBUG = False
    settings.HOOKS_ORG_URL = ""
    [error] = [message for message in run_checks() if message.id == "hooks.E003"]
    assert error.is_serious()
    assert "HOOKS_ORG_URL" in error.msg
    assert "https://hooks.example.com" in error.hint


def test_production_with_hooks_org_url_passes_and_development_needs_none(settings):
    settings.DEBUG = False
    settings.HOOKS_ORG_URL = "https://hooks.example.org"
    assert "hooks.E003" not in {message.id for message in run_checks()}
    settings.DEBUG = True
    settings.HOOKS_ORG_URL = ""
    assert "hooks.E003" not in {message.id for message in run_checks()}


@pytest.mark.slow  # a child Python process
def test_workers_refuse_to_start_in_production_without_hooks_org_url():
    production = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "HOOKS_METRICS_TOKEN": secrets.token_urlsafe(32),
    }
    refused = run_python("manage.py", "check", **production)
    assert refused.returncode != 0
    assert "hooks.E003" in refused.stderr
    allowed = run_python(
        "manage.py", "check", HOOKS_ORG_URL="https://hooks.example.org", **production
    )
    assert allowed.returncode == 0, allowed.stderr
