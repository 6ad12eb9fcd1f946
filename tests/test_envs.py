"""Per-step conda environments: every env parses and pins exactly what the project's venv lock pins,
and every rule's env provides what its script imports (through the library modules it uses).

conda channels are out of reach here, so the envs are checked, not built: the import check maps each
imported module to the PyPI distribution installed in the venv (``importlib.metadata``), and each
conda package to its PyPI name.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

ENVS = sorted((ROOT / "envs").glob("*.yaml"))
RULE_FILES = sorted((ROOT / "rules").glob("*.smk"))
# conda-forge/bioconda packages whose PyPI distribution has another name (same software, same version)
CONDA_TO_PYPI = {
    "python-igraph": "igraph",
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "pytorch": "torch",
    "py-xgboost": "xgboost",
}
# provided without an env entry: the standard library, the workflow's own package (on sys.path of
# every script), and snakemake (its script preamble imports it from the running Snakemake)
PROVIDED = set(sys.stdlib_module_names) | {"precisionflow", "snakemake", "__future__"}
# envs of command-line tools run by shell rules (no Python, nothing of the venv lock): exact pins only
TOOL_ENVS = {"vep.yaml"}
PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<op>==|=)\s*(?P<version>[0-9][^\s=*,<>|]*)$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock() -> dict[str, str]:
    """requirements.txt: canonical PyPI name -> pinned version."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonical(name)] = version.strip()
    return pins


def env_pins(path: Path) -> dict[str, str]:
    """An env's packages as canonical PyPI name -> version (conda and pip sections; python kept as is)."""
    spec = yaml.safe_load(path.read_text())
    pins: dict[str, str] = {}

    def add(entry: str, where: str) -> None:
        match = PIN.match(entry.strip())
        assert match, f"{path.name}: {where} entry {entry!r} is not pinned to an exact version (name =X.Y.Z)"
        name = match["name"].lower()
        pins[canonical(CONDA_TO_PYPI.get(name, name))] = match["version"]

    for entry in spec["dependencies"]:
        if isinstance(entry, dict):
            for pip_entry in entry.get("pip", []):
                add(pip_entry, "pip")
        elif entry.strip() != "pip":
            add(entry, "conda")
    return pins


@pytest.mark.parametrize("env", ENVS, ids=[e.name for e in ENVS])
def test_env_parses_and_pins_the_lock(env: Path) -> None:
    spec = yaml.safe_load(env.read_text())
    assert set(spec) <= {"name", "channels", "dependencies"}, env.name
    assert spec["channels"][0] == "conda-forge" and "defaults" not in spec["channels"], env.name
    pins = env_pins(env)
    if env.name in TOOL_ENVS:
        assert "python" not in pins, f"{env.name}: a tool env; Python steps use the locked envs"
        return
    assert pins.pop("python") == f"{sys.version_info.major}.{sys.version_info.minor}", env.name
    locked = lock()
    unknown = sorted(name for name in pins if name not in locked)
    assert not unknown, f"{env.name}: {unknown} are not in requirements.txt (the venv lock)"
    differing = {name: (version, locked[name]) for name, version in pins.items() if version != locked[name]}
    assert not differing, f"{env.name}: env pin != requirements.txt: {differing}"


def rule_blocks(text: str) -> dict[str, str]:
    """Rule name -> its block of text (snakefmt layout: the block ends where indentation returns)."""
    blocks = {}
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = re.match(r"^(\s*)(?:rule|checkpoint) (\w+):", line)
        if not match:
            continue
        indent, body = len(match[1]), []
        for following in lines[index + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            body.append(following)
        blocks[match[2]] = "\n".join(body)
    return blocks


def directive(block: str, name: str) -> str | None:
    """The first string value of a rule directive (`conda:`, `script:`, `shell:`)."""
    match = re.search(rf"^\s*{name}:\s*(?:\n\s*)?[rf]?(\"\"\"|\"|')(.*?)\1", block, flags=re.M | re.S)
    return match[2] if match else None


def module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_names(node: ast.AST) -> list[str]:
    """Dotted names an import statement brings in (``from a import b`` gives ``a`` and ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return []


def precisionflow_files(dotted: str) -> list[Path]:
    """The files an import of a precisionflow module runs: the module and its packages' ``__init__``."""
    parts = dotted.split(".")
    found = (module_file(".".join(parts[:depth])) for depth in range(1, len(parts) + 1))
    return [target for target in found if target is not None]


def third_party_imports(script: Path) -> dict[str, Path]:
    """Top-level modules a script imports, following the precisionflow modules it reaches
    (imports inside functions count: they run when the script calls them). -> module: first file."""
    found: dict[str, Path] = {}
    seen: set[Path] = set()
    todo = [script]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            for dotted in imported_names(node):
                top = dotted.split(".")[0]
                if top == "precisionflow":
                    todo.extend(precisionflow_files(dotted))
                elif top not in PROVIDED:
                    found.setdefault(top, path)
    return found


def rules_with_code() -> list[tuple[str, str, Path | None, Path]]:
    """(rule file, rule, its env or None, the Python file it runs) for every rule running Python."""
    rows = []
    for rule_file in RULE_FILES:
        for rule, block in rule_blocks(rule_file.read_text()).items():
            env = directive(block, "conda")
            env_path = (rule_file.parent / env).resolve() if env else None
            code: list[Path] = []
            script = directive(block, "script")
            if script:
                code.append((rule_file.parent / script).resolve())
            shell = directive(block, "shell") or ""
            code += [f for m in re.findall(r"python3?\s+-m\s+([\w.]+)", shell) if (f := module_file(m))]
            code += [(ROOT / m).resolve() for m in re.findall(r"\b(scripts/\w+\.py)\b", shell)]
            rows += [(rule_file.name, rule, env_path, path) for path in code]
    return rows


def test_rules_are_found() -> None:
    assert RULE_FILES and ENVS
    assert any(rule == "cohort_overview" for _, rule, _, _ in rules_with_code())


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=[f.name for f in RULE_FILES])
def test_every_rule_runs_in_an_env(rule_file: Path) -> None:
    for rule, block in rule_blocks(rule_file.read_text()).items():
        runs_code = any(directive(block, d) for d in ("script", "shell", "notebook", "wrapper"))
        if not runs_code:
            continue
        env = directive(block, "conda")
        assert env, f"{rule_file.name}: rule {rule} has no conda: env"
        assert (rule_file.parent / env).resolve().is_file(), f"{rule_file.name}: rule {rule}: {env} does not exist"


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=[f.name for f in RULE_FILES])
def test_envs_provide_script_imports(rule_file: Path) -> None:
    distributions = importlib.metadata.packages_distributions()
    problems = []
    for file_name, rule, env, code in rules_with_code():
        if file_name != rule_file.name:
            continue
        assert code.is_file(), f"{file_name}: rule {rule} runs {code}, which does not exist"
        provided = set(env_pins(env)) if env else set()
        for module, where in sorted(third_party_imports(code).items()):
            names = distributions.get(module)
            if not names:
                problems.append(
                    f"rule {rule}: {where.relative_to(ROOT)} imports {module}, which the venv does not have"
                )
                continue
            if not {canonical(n) for n in names} & provided:
                env_name = env.name if env else "no env"
                problems.append(
                    f"rule {rule}: {where.relative_to(ROOT)} imports {module} ({names[0]}), missing from {env_name}"
                )
    assert not problems, "\n".join(problems)
