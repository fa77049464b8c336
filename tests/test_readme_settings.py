"""The README's settings table names every environment variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# env_str("NAME", ...), env_int(...), os.environ.get("NAME"), os.environ["NAME"]
READS = re.compile(
    r"""(?:env_(?:str|int|bool|float|list)\(\s*|environ(?:\.get)?[\[(]\s*)["']([A-Z][A-Z0-9_]+)["']"""
)


def variables_read() -> set[str]:
    names: set[str] = set()
    for folder in ("hooks", "hooksite"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(READS.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_environment_variable_the_code_reads_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    read = variables_read()
    assert {"DJANGO_SECRET_KEY", "HOOKS_DELIVERY_TIMEOUT", "DATABASE_URL"} <= read  # the scan works
    missing = sorted(name for name in read if f"`{name}`" not in readme)
    assert missing == [], f"add these to the README's Settings table: {missing}"
