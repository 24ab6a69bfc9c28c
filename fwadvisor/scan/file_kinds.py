"""What a file is to the scan, by its name (None for a file it does not read), and which reader
reads each kind of dependency or deployment file."""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from fwadvisor.scan import depfiles, deployfiles


def file_kind(name: str, folder: str) -> str | None:
    """What a file is to the scan, by its name; None for a file the scan does not read."""
    lower = name.lower()
    if lower.endswith(".py"):
        return "setup.py" if name == "setup.py" else "python"
    if lower.endswith(".ipynb"):
        return "notebook"
    if lower.endswith((".txt", ".in")) and (
        "requirements" in lower
        or lower.startswith("constraints")
        or posixpath.basename(folder).lower() == "requirements"
    ):
        return "requirements"
    if name == "pyproject.toml":
        return "pyproject"
    if name == "setup.cfg":
        return "setup.cfg"
    if name == "Pipfile":
        return "pipfile"
    if lower.startswith(("environment", "conda-env")) and lower.endswith((".yml", ".yaml")):
        return "environment"
    if lower in ("dockerfile", "containerfile") or lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        return "dockerfile"
    if lower.startswith(("docker-compose", "compose")) and lower.endswith((".yml", ".yaml")):
        return "compose"
    if lower == ".env" or lower.endswith(".env") or lower.startswith(".env."):
        return "env"
    if name == "package.json":
        return "package.json"
    return None


READERS: dict[str, Callable[[str, str], depfiles.DepFacts]] = {
    "requirements": depfiles.read_requirements,
    "pyproject": depfiles.read_pyproject,
    "setup.cfg": depfiles.read_setup_cfg,
    "pipfile": depfiles.read_pipfile,
    "environment": depfiles.read_environment,
    "dockerfile": deployfiles.read_dockerfile,
    "compose": deployfiles.read_compose,
    "env": deployfiles.read_env_file,
    "package.json": deployfiles.read_package_json,
}
