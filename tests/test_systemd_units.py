"""The example systemd units in deploy/systemd: read them, run them as they say, stop them
as systemd would (KillMode=control-group: KillSignal to every process, then SIGKILL after
TimeoutStopSec), and time the stop."""

from __future__ import annotations

import configparser
import re
import shlex
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.cluster import ROOT, child_environment, free_port, stop_group_as_systemd, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

UNITS = ROOT / "deploy" / "systemd"
STOP_DEADLINE = 10.0


def read_unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read_string((UNITS / name).read_text())
    return unit


def local_command(service: configparser.SectionProxy) -> tuple[list[str], Path]:
    """ExecStart and WorkingDirectory with the install prefix mapped to this checkout and
    the unit's virtualenv to the one running the tests."""
    prefix = service["WorkingDirectory"]
    venv_bin = f"{prefix}/.venv/bin/"
    argv = shlex.split(service["ExecStart"])
    assert argv[0].startswith(venv_bin), "ExecStart runs a program of the checkout's .venv"
    argv[0] = str(Path(sys.executable).parent / argv[0].removeprefix(venv_bin))
    return argv, ROOT


@pytest.mark.parametrize("name", ["hooks-web.service", "hooks-worker.service"])
def test_the_units_stop_the_way_the_issue_asks(name):
    service = read_unit(name)["Service"]
    assert service.get("KillMode", "control-group") == "control-group"
    assert service["TimeoutStopSec"] == "15"
    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/hooks-console/hooks.env"
    assert service["User"] == "hooks"
    assert not [key for key, value in service.items() if "#" in value], "no trailing comments"
    example = (UNITS / "hooks.env.example").read_text()
    required = (
        "DJANGO_SECRET_KEY",
        "HOOKS_ORG_URL",
        "HOOKS_METRICS_TOKEN",
        "DATABASE_URL",
        "HOOKS_REDIS_URL",
    )
    for variable in required:
        assert re.search(rf"^{variable}=", example, re.MULTILINE), variable
    # systemd takes everything after "=" as the value: no trailing comments.
    assert not re.search(r"^[A-Z_]+=.*#", example, re.MULTILINE)


def stop_as_systemd(process: subprocess.Popen, service: configparser.SectionProxy) -> float:
    """The unit's KillSignal to the whole group, SIGKILL after its TimeoutStopSec."""
    return stop_group_as_systemd(
        process,
        timeout=float(service["TimeoutStopSec"]),
        kill_signal=getattr(signal, service.get("KillSignal", "SIGTERM")),
    )


def test_the_worker_unit_runs_qcluster_and_stops_within_10_s(tmp_path):
    service = read_unit("hooks-worker.service")["Service"]
    argv, cwd = local_command(service)
    assert argv[1:] == ["manage.py", "qcluster"]
    log_path = tmp_path / "worker.log"
    with open(log_path, "ab") as log:
        # A session of its own stands for the service's control group.
        worker = subprocess.Popen(
            argv,
            cwd=cwd,
            env=child_environment(HOOKS_Q_LOG_LEVEL="INFO"),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(
            lambda: (
                len(re.findall(r"ready for work at \d+", log_path.read_text())) >= 2
                and "running." in log_path.read_text()
            ),
            timeout=30,
            message=log_path.read_text(),
        )
        elapsed = stop_as_systemd(worker, service)
    finally:
        if worker.poll() is None:
            worker.kill()
    print(f"hooks-worker.service stopped in {elapsed:.1f} s")
    assert elapsed < STOP_DEADLINE, log_path.read_text()[-3000:]
    assert "has stopped" in log_path.read_text()


def test_the_web_unit_runs_gunicorn_and_stops_within_10_s(tmp_path):
    service = read_unit("hooks-web.service")["Service"]
    argv, cwd = local_command(service)
    port = free_port()
    argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"  # 8000 may be taken here
    log_path = tmp_path / "web.log"
    with open(log_path, "ab") as log:
        web = subprocess.Popen(
            argv,
            cwd=cwd,
            env=child_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return True
        except OSError as error:
            return hasattr(error, "code")  # an HTTP error status is an answer too

    try:
        wait_until(answers, timeout=30, interval=0.2, message=log_path.read_text())
        elapsed = stop_as_systemd(web, service)
    finally:
        if web.poll() is None:
            web.kill()
    print(f"hooks-web.service stopped in {elapsed:.1f} s")
    assert elapsed < STOP_DEADLINE, log_path.read_text()[-3000:]
