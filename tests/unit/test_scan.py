"""`fwadvisor scan`: real project excerpts give what their maintainers would answer, every dependency
format is read, the walk is bounded and safe, and the answers file works with `recommend`."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

import msgspec
import pytest

from conftest import FIXTURES, run_cli
from fwadvisor.advisor.libraries import load_libraries
from fwadvisor.advisor.model import Library, Questionnaire
from fwadvisor.advisor.questionnaire import check_answer, load_answers, load_questionnaire, sense_problems
from fwadvisor.errors import InputError
from fwadvisor.scan import Evidence, InferredAnswer, ScanResult, answers_file_text, scan_project
from fwadvisor.scan.requirements import major_bounds, normalise, parse_requirement

PROJECTS = FIXTURES / "projects"


# ---------------------------------------------------------------- helpers


def write(root: Path, files: Mapping[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def library(lib_id: str, packages: list[str], imports: list[str], category: str = "nlp") -> Library:
    evidence = [{"source": "https://example.org/changelog", "checked": dt.date(2026, 1, 1)}]
    return msgspec.convert(
        {
            "id": lib_id,
            "name": lib_id.title(),
            "category": category,
            "packages": packages,
            "imports": imports,
            "frameworks": ["pytorch"],
            "status": "active",
            "summary": f"{lib_id}: a library made up for fwadvisor's tests.",
            "evidence": evidence,
        },
        Library,
    )


def with_libraries(libraries: list[Library]) -> Questionnaire:
    """The questionnaire with key_libraries' choices taken from `libraries` (as the real one is)."""
    questionnaire = load_questionnaire()
    questions = [
        msgspec.structs.replace(q, choices={lib.id: lib.name for lib in libraries}) if q.choices_from else q
        for q in questionnaire.questions
    ]
    return msgspec.structs.replace(questionnaire, questions=questions)


def scan_with(root: Path, libraries: list[Library]) -> ScanResult:
    return scan_project(root, libraries=libraries, questionnaire=with_libraries(libraries))


def value(result: ScanResult, question: str) -> str | list[str] | None:
    answer = result.answers.get(question)
    return None if answer is None else answer.value


def files_of(answer: InferredAnswer) -> set[str]:
    return {e.file for e in answer.evidence}


def assert_sound(result: ScanResult, root: Path) -> None:
    """Every answer is valid alone and together, and each has evidence pointing at a real line."""
    questions = load_questionnaire().by_id()
    for qid, answer in result.answers.items():
        assert answer.question == qid
        assert check_answer(questions[qid], answer.value) is None, (qid, answer.value)
        assert answer.why.endswith(".") and "\n" not in answer.why
        assert answer.evidence, f"{qid} has no evidence"
        for evidence in answer.evidence:
            assert_real_line(root, evidence)
    assert sense_problems(result.answers_dict()) == []
    for use in result.libraries:
        assert 0.0 <= use.share <= 1.0 and use.evidence
        for evidence in use.evidence:
            assert_real_line(root, evidence)


def assert_real_line(root: Path, evidence: Evidence) -> None:
    path = root / evidence.file
    assert path.is_file(), evidence
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    assert 1 <= evidence.line <= len(lines), evidence
    assert len(evidence.text) <= 120 and "\n" not in evidence.text
    shown = evidence.text.rstrip("…")
    if path.suffix == ".ipynb":  # the line holds the code line as a JSON string
        assert json.dumps(shown, ensure_ascii=False)[1:-1] in lines[evidence.line - 1], evidence
    else:
        assert " ".join(lines[evidence.line - 1].split()).startswith(shown), evidence


def kb_ids_importing(module: str) -> set[str]:
    """The ids of the knowledge-base libraries imported as `module` (the knowledge base grows)."""
    return {lib.id for lib in load_libraries() if module in lib.imports}


# ---------------------------------------------------------------- the real projects


def test_a_tf1_research_repository_is_tf1_style():
    root = PROJECTS / "gpt2_tf1"
    result = scan_project(root)
    assert_sound(result, root)
    answer = result.answers["existing_codebase"]
    assert answer.value == "tensorflow_v1"
    assert "a quarter" in answer.why
    assert {"src/interactive_conditional_samples.py", "src/model.py", "Dockerfile.cpu"} <= files_of(answer)
    session = next(e for e in answer.evidence if e.file == "src/interactive_conditional_samples.py")
    assert session.line == 57 and "tf.Session" in session.text
    # research code: not packaged, not deployed, nothing said about who runs it
    assert "code_users" not in result.answers and "deploy_targets" not in result.answers
    assert result.python_files == 4 and not result.notes


def test_a_keras3_library_is_keras3_and_published():
    root = PROJECTS / "keras_rs_keras3"
    result = scan_project(root)
    assert_sound(result, root)
    answer = result.answers["existing_codebase"]
    assert answer.value == "tensorflow_keras3"
    assert any(e.file == "keras_rs/src/metrics/dcg.py" and e.text == "from keras import ops" for e in answer.evidence)
    assert value(result, "code_users") == "outside_users"
    assert result.answers["code_users"].evidence[0].text == 'name = "keras-rs"'
    # torch and tensorflow-cpu are declared (for the test backends) but no file imports torch: not "both"
    keras = kb_ids_importing("keras")
    if keras:
        assert keras <= set(value(result, "key_libraries") or [])
        use = next(u for u in result.libraries if u.id in keras)
        assert use.declared and use.files == 4
        # requirements.txt includes requirements-common.txt (`-r`), which declares keras too
        assert "requirements-common.txt" in {e.file for e in use.evidence}


def test_a_pytorch_web_service_is_pytorch_on_a_server():
    root = PROJECTS / "whisper_asr_service"
    result = scan_project(root)
    assert_sound(result, root)
    assert value(result, "existing_codebase") == "pytorch"
    assert "app/config.py" in files_of(result.answers["existing_codebase"])
    assert value(result, "deploy_targets") == ["cloud_server"]
    assert "hint" in result.answers["deploy_targets"].why.lower()
    assert "app/webservice.py" in files_of(result.answers["deploy_targets"])
    assert value(result, "code_users") == "outside_users"
    assert "serving_stack" not in result.answers  # FastAPI itself is no serving stack of the questionnaire
    whisper = kb_ids_importing("whisper")
    if whisper:
        assert whisper <= set(value(result, "key_libraries") or [])


@pytest.mark.parametrize("name", ["gpt2_tf1", "keras_rs_keras3", "whisper_asr_service"])
def test_the_cli_prints_at_80_columns_and_writes_the_answers_file(tmp_path, name):
    answers = tmp_path / "answers.yaml"
    done = run_cli("scan", str(PROJECTS / name), "--output", str(answers))
    assert done.returncode == 0, done.stderr
    assert all(len(line) <= 80 for line in done.stdout.splitlines()), done.stdout
    assert "existing_codebase:" in done.stdout and f"{name}/" not in done.stdout.split("\n", 1)[1]
    assert "Answers written to" in done.stderr
    text = answers.read_text(encoding="utf-8")
    assert all(len(line) <= 80 for line in text.splitlines()), text
    # what `recommend --answers` reads first (test_scan_writes_nothing_but_the_output_file runs it)
    assert load_answers(answers) == scan_project(PROJECTS / name).answers_dict()


def test_the_answers_file_has_each_answers_evidence_as_comments_above_it():
    result = scan_project(PROJECTS / "whisper_asr_service")
    lines = answers_file_text(result).splitlines()
    at = lines.index("existing_codebase: pytorch")
    above = lines[at - 1]
    assert above.startswith("#   ") and ":" in above and "import torch" in above
    assert any(line.startswith("# PyTorch is imported") for line in lines[:at])


def test_json_output_round_trips_to_the_result():
    done = run_cli("scan", str(PROJECTS / "gpt2_tf1"), "--format", "json")
    assert done.returncode == 0, done.stderr
    result = msgspec.convert(json.loads(done.stdout), ScanResult)
    assert result.answers_dict() == {"existing_codebase": "tensorflow_v1"}


def test_scan_writes_nothing_but_the_output_file(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(PROJECTS / "whisper_asr_service", root)

    def tree() -> dict[str, tuple[int, int]]:
        return {
            str(p.relative_to(tmp_path)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in tmp_path.rglob("*")
            if p.is_file()
        }

    before = tree()
    answers = tmp_path / "out.yaml"
    assert run_cli("scan", str(root), "--output", str(answers), cwd=tmp_path).returncode == 0
    after = tree()
    assert after.pop("out.yaml")
    assert after == before
    assert not list(root.rglob("__pycache__"))
    recommended = run_cli("recommend", "--answers", str(answers), "--format", "json")
    assert recommended.returncode == 0, recommended.stderr
    assert json.loads(recommended.stdout)


# ---------------------------------------------------------------- bad input


def test_help_names_the_command_and_its_options():
    done = run_cli("scan", "--help")
    assert done.returncode == 0 and done.stdout.startswith("usage: fwadvisor scan")
    assert "--output" in done.stdout and "--format" in done.stdout and "--max-files" in done.stdout


def test_a_missing_path_is_one_message_and_exit_2(tmp_path):
    missing = tmp_path / "no-such-project"
    done = run_cli("scan", str(missing))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and str(missing) in done.stderr and "no such folder" in done.stderr


def test_a_file_instead_of_a_folder_is_one_message_and_exit_2(tmp_path):
    file = write(tmp_path, {"requirements.txt": "torch\n"}) / "requirements.txt"
    done = run_cli("scan", str(file))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and str(file) in done.stderr and "not a folder" in done.stderr


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads any folder: no unreadable one")
def test_an_unreadable_folder_is_one_message_and_exit_2(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        done = run_cli("scan", str(locked))
    finally:
        locked.chmod(0o700)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and str(locked) in done.stderr and "cannot read" in done.stderr


def test_unreadable_folders_without_root_rights(tmp_path, monkeypatch):
    """The same paths as above, for a run as root (which reads any folder): scandir is made to refuse."""
    import fwadvisor.scan.project as project

    root = write(tmp_path / "p", {"main.py": "import torch\n", "private/x.py": "import tensorflow\n"})
    real_scandir = os.scandir

    def refusing(path):
        if os.path.basename(path) in ("p", "private"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(project.os, "scandir", refusing)
    with pytest.raises(InputError, match="cannot read the folder: Permission denied"):
        scan_project(root)
    monkeypatch.setattr(
        project.os, "scandir", lambda path: real_scandir(path) if "private" not in path else refusing(path)
    )
    result = scan_project(root)
    assert value(result, "existing_codebase") == "pytorch"
    assert "private/: could not be read (Permission denied); skipped" in result.notes


def test_the_api_raises_input_error_naming_the_path(tmp_path):
    with pytest.raises(InputError, match="no such folder") as raised:
        scan_project(tmp_path / "gone")
    assert raised.value.file == str(tmp_path / "gone")


def test_a_bad_output_path_is_refused_before_scanning(tmp_path):
    done = run_cli("scan", str(PROJECTS / "gpt2_tf1"), "--output", str(tmp_path))
    assert done.returncode == 2 and done.stdout == "" and "cannot write" in done.stderr


# ---------------------------------------------------------------- dependency formats


def test_requirements_files_follow_includes_inside_the_folder(tmp_path):
    root = write(
        tmp_path,
        {
            "requirements.txt": "# comment\n--index-url https://example.org\nnumpy>=1.26 ; python_version > '3.8'\n"
            "-r requirements/base.txt\n-c constraints.txt\n-r ../outside.txt\n",
            "requirements/base.txt": "keras >= 3.2  # Keras 3\n",
            "constraints.txt": "tensorflow==2.18.0 \\\n    --hash=sha256:abc\n",
            "requirements-dev.in": "pytest\n",
        },
    )
    result = scan_project(root)
    answer = result.answers["existing_codebase"]
    assert answer.value == "tensorflow_keras3"
    assert Evidence("requirements/base.txt", 1, "keras >= 3.2 # Keras 3") in answer.evidence
    assert any("../outside.txt" in note and "outside the folder" in note for note in result.notes)


def test_pyproject_pep621_poetry_pdm_uv_and_dependency_groups(tmp_path):
    libs = [library(f"lib-{n}", [f"Lib_{n}"], [f"lib{n}"]) for n in range(1, 7)]
    root = write(
        tmp_path,
        {
            "pyproject.toml": """
[project]
name = "demo"
dependencies = ["lib-1>=1", "torch"]
[project.optional-dependencies]
extra = ["LIB.2[x]"]
[dependency-groups]
test = ["lib_3", {include-group = "other"}]
[tool.uv]
dev-dependencies = ["lib-4"]
[tool.pdm.dev-dependencies]
lint = ["lib-5"]
[tool.poetry.dependencies]
python = "^3.11"
lib-6 = {version = "^2.0", extras = ["a"]}
[tool.poetry.scripts]
demo = "demo:main"
""",
        },
    )
    result = scan_with(root, libs)
    declared = {u.id: u for u in result.libraries}
    assert set(declared) == {lib.id for lib in libs}
    assert all(u.declared and u.files == 0 for u in declared.values())
    assert declared["lib-6"].evidence[0] == Evidence("pyproject.toml", 15, 'lib-6 = {version = "^2.0", extras = ["a"]}')
    assert declared["lib-2"].evidence[0].line == 6
    assert value(result, "existing_codebase") == "pytorch"  # declared only: no Python file
    assert "No Python file imports a framework" in result.answers["existing_codebase"].why
    assert value(result, "code_users") == "outside_users"
    assert {e.line for e in result.answers["code_users"].evidence} == {
        16
    }  # [tool.poetry.scripts]: [project] has no [build-system]


def test_an_application_with_a_project_name_is_not_published(tmp_path):
    app = write(tmp_path / "app", {"pyproject.toml": '[project]\nname = "app"\ndependencies = ["torch"]\n'})
    assert "code_users" not in scan_project(app).answers
    package = write(
        tmp_path / "pkg", {"pyproject.toml": '[build-system]\nrequires = ["hatchling"]\n[project]\nname = "pkg"\n'}
    )
    assert scan_project(package).answers["code_users"].evidence == [Evidence("pyproject.toml", 4, 'name = "pkg"')]
    poetry_app = write(tmp_path / "poetry", {"pyproject.toml": '[tool.poetry]\nname = "x"\npackage-mode = false\n'})
    assert "code_users" not in scan_project(poetry_app).answers


def test_setup_cfg_and_setup_py_are_read_never_run(tmp_path):
    root = write(
        tmp_path,
        {
            "setup.py": "import pathlib\npathlib.Path('EXECUTED').write_text('x')\nfrom setuptools import setup\n"
            "REQUIRED = ['tensorflow<2', 'numpy']\n"
            "setup(\n    name='old-research',\n    install_requires=REQUIRED,\n"
            "    extras_require={'serve': ['tensorflow-serving-api']},\n)\n",
            "sub/setup.cfg": "[metadata]\nname = sub\n[options]\ninstall_requires =\n    coremltools>=7\n"
            "[options.entry_points]\nconsole_scripts =\n    sub = sub:main\n",
        },
    )
    result = scan_project(root)
    assert not (root / "EXECUTED").exists()
    assert value(result, "existing_codebase") == "tensorflow_v1"
    assert (
        Evidence("setup.py", 4, "REQUIRED = ['tensorflow<2', 'numpy']") in result.answers["existing_codebase"].evidence
    )
    assert value(result, "serving_stack") == "tf_serving"
    assert result.answers["serving_stack"].evidence[0] == Evidence(
        "setup.py", 8, "extras_require={'serve': ['tensorflow-serving-api']},"
    )
    assert set(value(result, "deploy_targets") or []) == {"cloud_server", "ios"}
    users = result.answers["code_users"]
    assert users.value == "outside_users"
    assert {e.file for e in users.evidence} == {"setup.py", "sub/setup.cfg"}


def test_environment_yml_conda_and_pip_sections(tmp_path):
    root = write(
        tmp_path,
        {
            "environment.yml": "name: demo\nchannels: [pytorch]\ndependencies:\n  - python=3.11\n"
            "  - pytorch::pytorch=2.4\n  - pip\n  - pip:\n      - tritonclient[all]\n"
        },
    )
    result = scan_project(root)
    assert value(result, "existing_codebase") == "pytorch"
    assert result.answers["existing_codebase"].evidence == [Evidence("environment.yml", 5, "- pytorch::pytorch=2.4")]
    assert value(result, "serving_stack") == "triton"
    assert result.answers["serving_stack"].evidence[0].line == 8


def test_pipfile(tmp_path):
    root = write(tmp_path, {"Pipfile": '[packages]\nkeras = ">=3.0"\n\n[dev-packages]\ntimm = "*"\n'})
    result = scan_project(root)
    assert value(result, "existing_codebase") == "tensorflow_keras3"
    assert value(result, "model_sources") == ["torchvision_timm"]
    assert result.answers["model_sources"].evidence == [Evidence("Pipfile", 5, 'timm = "*"')]


def test_dockerfiles_pip_install_lines_and_serving_images(tmp_path):
    root = write(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11\n# set up\nRUN apt-get update && \\\n    pip install --no-cache-dir -U \\\n"
            "      'vllm>=0.6' fastapi && echo done\n",
            "deploy/serving.Dockerfile": "FROM tensorflow/serving:2.16.1\n",
            "Dockerfile.gpu": "FROM nvcr.io/nvidia/tritonserver:24.08-py3\nENV KERAS_BACKEND=jax\n",
            "docker-compose.yml": "services:\n  web:\n    image: pytorch/torchserve:latest\n",
        },
    )
    result = scan_project(root)
    serving = result.answers["serving_stack"]
    # one piece of evidence each: the order of the questionnaire's choices breaks the tie
    assert serving.value == "tf_serving" and "also found" in serving.why
    assert "triton" in serving.why and "vllm_or_sglang" in serving.why and "torchserve" in serving.why
    assert serving.evidence == [Evidence("deploy/serving.Dockerfile", 1, "FROM tensorflow/serving:2.16.1")]
    from fwadvisor.scan.file_kinds import file_kind

    assert file_kind("Dockerfile.gpu", "") == "dockerfile" and file_kind("x.Dockerfile", "") == "dockerfile"
    assert value(result, "deploy_targets") == ["cloud_server"]


def test_a_dockerfile_install_is_located_on_its_own_line(tmp_path):
    root = write(tmp_path, {"Dockerfile": "FROM python:3.11\nRUN pip install \\\n    numpy \\\n    torch==2.4.1\n"})
    result = scan_project(root)
    assert result.answers["existing_codebase"].evidence == [Evidence("Dockerfile", 4, "torch==2.4.1")]


def test_notebooks_code_cells_magics_and_pip_installs(tmp_path):
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["import tensorflow as tf  # not code\n"]},
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "source": ["!pip install -q transformers\n", "%matplotlib inline\n", "import torch\n", "x = !ls\n"],
            },
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["%%bash\n", "pip install timm\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": "from torchvision import models\nmodels?"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    root = write(tmp_path, {"explore.ipynb": json.dumps(notebook, indent=1)})
    result = scan_project(root)
    assert result.python_files == 1 and not result.notes
    assert_sound(result, root)
    assert value(result, "existing_codebase") == "pytorch"
    torch_line = result.answers["existing_codebase"].evidence[0]
    assert torch_line.file == "explore.ipynb" and torch_line.text == "import torch"
    sources = result.answers["model_sources"]
    assert sources.value == ["huggingface", "torchvision_timm"]
    assert sources.evidence[0].text == "!pip install -q transformers"


def test_a_notebook_with_a_broken_cell_still_gives_the_other_cells(tmp_path):
    notebook = {
        "cells": [
            {"cell_type": "code", "source": ["def broken(:\n"], "metadata": {}, "outputs": []},
            {"cell_type": "code", "source": ["import tensorflow as tf\n", "tf.compat.v1.Session()\n"], "metadata": {}},
        ],
        "nbformat": 4,
    }
    root = write(tmp_path, {"nb.ipynb": json.dumps(notebook, indent=1)})
    result = scan_project(root)
    assert value(result, "existing_codebase") == "tensorflow_v1"
    assert any("nb.ipynb" in note and "not valid Python 3" in note for note in result.notes)


def test_package_json_tensorflow_js_hints_at_the_browser(tmp_path):
    root = write(
        tmp_path,
        {
            "web/package.json": json.dumps(
                {"dependencies": {"@tensorflow/tfjs": "^4.22.0", "react": "^18"}, "devDependencies": {}}, indent=2
            ),
            "server/package.json": json.dumps({"dependencies": {"@tensorflow/tfjs-node": "^4"}}),
        },
    )
    result = scan_project(root)
    assert value(result, "deploy_targets") == ["browser"]
    assert result.answers["deploy_targets"].evidence == [
        Evidence("web/package.json", 3, '"@tensorflow/tfjs": "^4.22.0",')
    ]


def test_requirement_names_are_normalised_and_versions_read():
    assert normalise("Tf_Agents") == normalise("tf.agents") == "tf-agents"
    assert parse_requirement("ray[serve,default]>=2.9").extras == frozenset({"serve", "default"})  # type: ignore[union-attr]
    assert parse_requirement("git+https://github.com/huggingface/diffusers.git@0f07").name == "diffusers"  # type: ignore[union-attr]
    assert parse_requirement("pkg @ https://example.org/pkg-1.0.tar.gz").name == "pkg"  # type: ignore[union-attr]
    assert parse_requirement("./local/path") is None and parse_requirement("-e .") is None
    assert parse_requirement("pytorch::pytorch=2.1", conda=True).name == "torch"  # type: ignore[union-attr]
    assert major_bounds(">=3.2") == (3, None) and major_bounds("<2") == (None, 1) and major_bounds("<2.1") == (None, 2)
    assert major_bounds("==1.15.*") == (1, 1) and major_bounds("^3.0") == (3, 3) and major_bounds("~=2.15") == (2, 2)


def test_packages_and_dotted_imports_match_the_knowledge_base(tmp_path):
    libs = [
        library("agents", ["TF-Agents"], ["tf_agents"], "reinforcement_learning"),
        library("rllib", ["ray-rllib"], ["ray.rllib"], "reinforcement_learning"),
        library("ray", ["ray"], ["ray"], "training"),
    ]
    root = write(
        tmp_path,
        {
            "requirements.txt": "tf_agents==0.19\n",
            "a.py": "from ray.rllib.algorithms import ppo\n",
            "b.py": "import ray.rllib.env\n",
            "c.py": "from ray import rllib\n",
            "d.py": "import ray\n",
        },
    )
    result = scan_with(root, libs)
    uses = {u.id: u for u in result.libraries}
    assert uses["agents"].declared and uses["agents"].files == 0
    assert uses["rllib"].files == 3 and not uses["rllib"].declared and uses["rllib"].share == 0.75
    assert uses["ray"].files == 2  # `from ray import rllib` imports ray too
    assert value(result, "key_libraries") == ["rllib", "ray"]  # agents is declared but never imported
    assert value(result, "domains") == ["reinforcement_learning"]


def test_the_projects_own_module_named_like_a_library_is_not_that_library(tmp_path):
    root = write(
        tmp_path,
        {
            "train.py": "import torch\nfrom datasets import coco\n",
            "datasets/__init__.py": "",
            "datasets/coco.py": "import json\n",
        },
    )
    assert "model_sources" not in scan_project(root).answers
    write(root, {"requirements.txt": "datasets\n"})  # declared: the Hugging Face library after all
    assert value(scan_project(root), "model_sources") == ["huggingface"]


# ---------------------------------------------------------------- inference rules


def test_both_when_each_framework_is_in_a_tenth_of_the_framework_files(tmp_path):
    files = {f"t{i}.py": "import torch\n" for i in range(8)}
    files |= {"k0.py": "import tensorflow as tf\n@tf.function\ndef f(x):\n    return x\n"}
    result = scan_project(write(tmp_path, files))
    assert value(result, "existing_codebase") == "both"
    assert "10%" in result.answers["existing_codebase"].why
    files |= {f"t{i}.py": "import torch\n" for i in range(8, 12)}  # 1 TensorFlow file in 13: under 10%
    result = scan_project(write(tmp_path, files))
    assert value(result, "existing_codebase") == "pytorch"
    assert "under 10%" in result.answers["existing_codebase"].why


def test_tf2_code_with_a_tf1_word_in_a_docstring_is_tf2(tmp_path):
    code = (
        'import tensorflow as tf\n\n\ndef train(ds):\n    """Unlike tf.Session in TF1, this runs eagerly."""\n'
        "    # tf.placeholder is gone\n    model = tf.keras.Sequential()\n    return tf.data.Dataset.range(3)\n"
    )
    result = scan_project(write(tmp_path, {"train.py": code}))
    answer = result.answers["existing_codebase"]
    assert answer.value == "tensorflow"
    assert Evidence("train.py", 7, "model = tf.keras.Sequential()") in answer.evidence


def test_tf1_through_compat_v1_aliases_and_keras3_through_ops(tmp_path):
    tf1 = write(
        tmp_path / "tf1",
        {"m.py": "import tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()\nx = tf.placeholder(tf.float32)\n"},
    )
    answer = scan_project(tf1).answers["existing_codebase"]
    assert answer.value == "tensorflow_v1" and answer.evidence[0] == Evidence(
        "m.py", 1, "import tensorflow.compat.v1 as tf"
    )
    keras3 = write(tmp_path / "k3", {"m.py": "import keras\n\ny = keras.ops.sum(keras.ops.ones(3))\n"})
    answer = scan_project(keras3).answers["existing_codebase"]
    assert answer.value == "tensorflow_keras3" and answer.evidence == [
        Evidence("m.py", 3, "y = keras.ops.sum(keras.ops.ones(3))")
    ]
    backend = write(tmp_path / "env", {"m.py": "import keras\n", ".env": "KERAS_BACKEND=torch\n"})
    answer = scan_project(backend).answers["existing_codebase"]
    assert answer.value == "tensorflow_keras3" and Evidence(".env", 1, "KERAS_BACKEND=torch") in answer.evidence


def test_keras3_on_the_torch_backend_is_not_both(tmp_path):
    files = {
        f"m{i}.py": "import os\nos.environ['KERAS_BACKEND'] = 'torch'\nimport keras\nimport torch\n" for i in range(5)
    }
    assert value(scan_project(write(tmp_path, files)), "existing_codebase") == "tensorflow_keras3"


def test_serving_and_deployment_hints(tmp_path):
    root = write(
        tmp_path,
        {
            "convert.py": "import tensorflow as tf\nconverter = tf.lite.TFLiteConverter.from_saved_model('m')\n",
            "ios.py": "import coremltools as ct\n",
            "client.py": "import tritonclient.http as httpclient\n",
        },
    )
    result = scan_project(root)
    assert value(result, "serving_stack") == "triton"
    assert value(result, "deploy_targets") == ["cloud_server", "android", "ios", "edge_device"]
    why = result.answers["deploy_targets"].why
    assert why.startswith("Hints only") and "TensorFlow Lite" in why and "Core ML" in why
    assert Evidence("convert.py", 2, "converter = tf.lite.TFLiteConverter.from_saved_model('m')") in (
        result.answers["deploy_targets"].evidence
    )


def test_ray_serve_as_an_extra_or_an_import_is_kserve_or_ray(tmp_path):
    declared = write(tmp_path / "a", {"dev-requirements.txt": "ray[serve]==2.40\n"})
    result = scan_project(declared)
    assert value(result, "serving_stack") == "kserve_or_ray"
    assert result.answers["serving_stack"].evidence == [Evidence("dev-requirements.txt", 1, "ray[serve]==2.40")]
    imported = write(tmp_path / "b", {"app.py": "import torch\nfrom ray import serve\n"})
    assert value(scan_project(imported), "serving_stack") == "kserve_or_ray"
    plain = write(tmp_path / "c", {"requirements.txt": "ray\n", "app.py": "import ray\n"})
    assert "serving_stack" not in scan_project(plain).answers


def test_onnx_runtime_is_a_serving_stack_only_on_a_server(tmp_path):
    root = write(tmp_path, {"infer.py": "import onnxruntime as ort\n"})
    assert "serving_stack" not in scan_project(root).answers
    write(root, {"app.py": "from fastapi import FastAPI\nimport onnxruntime\napp = FastAPI()\n"})
    result = scan_project(root)
    assert value(result, "serving_stack") == "onnx_runtime"
    assert value(result, "deploy_targets") == ["cloud_server"]


def test_answers_that_would_not_validate_together_are_dropped():
    from fwadvisor.scan.collector import Collector
    from fwadvisor.scan.infer import checked_answers
    from fwadvisor.scan.signals import Matcher

    collector = Collector(Matcher([]), [], load_questionnaire())
    evidence = [Evidence("a.py", 1, "x")]
    found = {
        "deploy_targets": InferredAnswer("deploy_targets", ["none"], evidence, "Nowhere."),
        "serving_stack": InferredAnswer("serving_stack", "triton", evidence, "Triton."),
        "existing_codebase": InferredAnswer("existing_codebase", "not-a-choice", evidence, "Bad."),
    }
    kept = checked_answers(collector, found)
    assert list(kept) == ["deploy_targets"]
    assert any("not-a-choice" in note for note in collector.notes)


# ---------------------------------------------------------------- a bounded, safe walk


def test_python2_files_are_noted_and_their_imports_still_read(tmp_path):
    root = write(tmp_path, {"old.py": 'import tensorflow as tf\nprint "hello"\nsess = tf.Session()\n'})
    result = scan_project(root)
    assert value(result, "existing_codebase") == "tensorflow_v1"
    assert result.answers["existing_codebase"].evidence == [Evidence("old.py", 3, "sess = tf.Session()")]
    assert any(note.startswith("old.py: not valid Python 3") for note in result.notes)


def test_non_utf8_files_are_read(tmp_path):
    root = write(tmp_path, {"latin.py": "# caf\xe9 cr\xe8me\nimport torch\n".encode("latin-1")})
    result = scan_project(root)
    assert value(result, "existing_codebase") == "pytorch" and result.files_read == 1


def test_binary_and_large_files_are_skipped_and_counted(tmp_path):
    root = write(
        tmp_path,
        {
            "blob.py": b"import torch\n\x00\x01\x02",
            "big.py": "import tensorflow as tf\n" + "x = 1\n" * 400,
            "small.py": "import keras\n",
            "image.png": b"\x89PNG\x00",  # not a file the scan reads: neither opened nor counted
        },
    )
    result = scan_project(root, max_file_bytes=1000)
    assert (result.skipped_binary, result.skipped_large, result.files_read, result.python_files) == (1, 1, 1, 1)


def test_the_file_limit_stops_the_walk_with_a_note(tmp_path):
    root = write(tmp_path, {f"m{i:02}.py": "import torch\n" for i in range(30)})
    result = scan_project(root, max_files=10)
    assert result.stopped_at_limit and result.python_files == 10
    assert any(note.startswith("stopped after 10 files") for note in result.notes)
    from fwadvisor.commands.scan import report_text

    assert "stopped after 10 files" in report_text(result, str(root), saved=False)


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs symlinks")
def test_symlinks_outside_are_not_followed_and_loops_end(tmp_path):
    outside = write(tmp_path / "outside", {"secret.py": "import tensorflow as tf\n", "lib/x.py": "import torch\n"})
    root = write(tmp_path / "project", {"main.py": "import keras\n"})
    (root / "linked.py").symlink_to(outside / "secret.py")
    (root / "linked_dir").symlink_to(outside / "lib")
    (root / "loop").symlink_to(root)
    (root / "inside.py").symlink_to(root / "main.py")  # inside, but the same file: read once
    write(root, {".venv/lib/site.py": "import torch\n"})
    (root / "vendored").symlink_to(root / ".venv" / "lib")  # inside, but into a skipped folder
    (root / "dangling.py").symlink_to(root / "gone.py")
    result = scan_project(root)
    assert result.python_files == 1 and value(result, "existing_codebase") == "tensorflow"
    notes = " ".join(result.notes)
    assert "linked.py: a link to outside the folder, not followed" in notes and "linked_dir" in notes


def test_environments_caches_and_vendored_folders_are_skipped(tmp_path):
    root = write(
        tmp_path,
        {
            "main.py": "import keras\n",
            ".venv/lib/site.py": "import torch\n",
            "myenv/pyvenv.cfg": "home = /usr\n",
            "myenv/lib/x.py": "import torch\n",
            "node_modules/pkg/package.json": '{"dependencies": {"@tensorflow/tfjs": "4"}}',
            "pkg.egg-info/requires.txt": "torch\n",
            "build/lib/y.py": "import torch\n",
            ".ipynb_checkpoints/nb-checkpoint.ipynb": "{}",
        },
    )
    result = scan_project(root)
    assert result.python_files == 1 and result.files_read == 1
    assert value(result, "existing_codebase") == "tensorflow"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_dependency_file_is_never_opened(tmp_path):
    root = write(tmp_path, {"main.py": "import torch\n"})
    os.mkfifo(root / "requirements.txt")  # opening it for reading would block forever
    result = scan_project(root)
    assert value(result, "existing_codebase") == "pytorch" and result.files_read == 1


def test_outside_text_is_printed_clean(tmp_path):
    root = write(
        tmp_path,
        {
            "evil\x1b[2J[bold]x.py": "import torch  # \x1b]0;title\x07 [red]not markup[/red]\n",
            "ok.py": "import torch\n",
        },
    )
    answers = tmp_path / "answers.yaml"
    done = run_cli("scan", str(root), "--output", str(answers))
    assert done.returncode == 0
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "[red]not markup[/red]" in done.stdout and "[bold]x.py" in done.stdout
    text = answers.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\x07" not in text
    assert load_answers(answers) == {"existing_codebase": "pytorch"}


def test_an_empty_folder_infers_nothing_and_still_writes_a_valid_answers_file(tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    result = scan_project(root)
    assert result.answers == {} and result.libraries == []
    answers = tmp_path / "answers.yaml"
    answers.write_text(answers_file_text(result))
    assert load_answers(answers) == {}
