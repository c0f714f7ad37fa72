"""The layering the design promises, read from the source: no import cycle inside ``vision``, no
streamlit in ``vision``, only the pipeline knows every stage, and the pose backend can be swapped."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT
from tests.synthetic import landmarks_for_angle, tempo_set, trace
from tests.videos import write_video

VISION = ROOT / "vision"
# The stages of frames → pose → signals → filter → tempo → scoring → overlay.
STAGES = {
    "vision.video",
    "vision.pose",
    "vision.signals",
    "vision.filters",
    "vision.tempo",
    "vision.scoring",
    "vision.annotate",
}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every module imported at run time, at any depth (deferred imports count; ``if TYPE_CHECKING:``
    blocks, which never run, do not)."""
    tree = ast.parse(path.read_text())
    type_only = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
        for stmt in block.body
        for n in ast.walk(stmt)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in VISION.rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_no_import_cycle(graph):
    assert [m for m in graph if m in reachable(graph, m)] == []


def test_vision_never_imports_streamlit():
    offenders = [p.name for p in VISION.rglob("*.py") if any(m.split(".")[0] == "streamlit" for m in imports_of(p))]
    assert offenders == []


def test_only_the_pipeline_imports_every_stage(graph):
    assert reachable(graph, "vision.pipeline") >= STAGES
    # Front ends (CLI, batch worker) may reach every stage, but only through the pipeline: with the
    # pipeline taken out of the graph, no module knows them all.
    without = {m: deps - {"vision.pipeline"} for m, deps in graph.items() if m != "vision.pipeline"}
    assert [m for m in without if reachable(without, m) | {m} >= STAGES] == []


# What storage may know: its own modules, the shared vocabulary (types, errors) and nothing that analyses,
# reports or advises.
STORAGE_MAY_IMPORT = {"vision.types", "vision.errors"}


def test_storage_knows_tables_and_transactions_only(graph):
    storage = [m for m in graph if m == "vision.store" or m.startswith("vision.store.")]
    assert storage, "vision.store has moved"
    reached = set().union(*(graph[m] for m in storage))
    outside = {m for m in reached if not m.startswith("vision.store")} - STORAGE_MAY_IMPORT
    assert outside == set()


def test_faces_reach_storage_only_through_the_records_service():
    """Pages, the CLI and batch use ``vision.records``; only it (and storage itself) imports ``vision.store``."""
    allowed = (VISION / "store", VISION / "records")
    faces = [*VISION.rglob("*.py"), *(ROOT / "app_pages").rglob("*.py"), ROOT / "app.py"]
    offenders = {
        str(p.relative_to(ROOT)): found
        for p in faces
        if not any(p.is_relative_to(folder) for folder in allowed)
        and (found := sorted(m for m in imports_of(p) if m.split(".")[:2] == ["vision", "store"]))
    }
    assert offenders == {}


def test_kinds_are_plug_ins_not_branches():
    """Only the kinds themselves name a kind: everything else asks the protocol's ``exercise_kind``."""
    allowed = (VISION / "kinds", VISION / "types.py")
    code = [*VISION.rglob("*.py"), *(ROOT / "app_pages").rglob("*.py"), ROOT / "app.py"]
    offenders = []
    for path in code:
        if any(path == a or path.is_relative_to(a) for a in allowed):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            named = isinstance(node, ast.Name) and node.id == "ProtocolKind"
            attribute = isinstance(node, ast.Attribute) and node.attr == "is_isometric"
            literal = isinstance(node, ast.Constant) and node.value == "isometric"  # ("eccentric" is a phase too)
            if named or attribute or literal:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


class ReplayPose:
    """A fake pose backend: replays a synthetic plantarflexion trace as landmarks (no model)."""

    def __init__(self, angle_of_time) -> None:
        self.angle_of_time = angle_of_time
        self.calls = 0

    def __call__(self, frame):
        from vision.types import PoseFrame

        self.calls += 1
        h, w = frame.image.shape[:2]
        return PoseFrame(frame.t_s, landmarks_for_angle(self.angle_of_time(frame.t_s), w, h))

    def close(self) -> None:
        pass


def test_form_checker_takes_an_injected_pose_backend(tmp_path):
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol

    times = np.arange(0, 26.0, 1 / 30)
    reps = tempo_set(3)
    clip = write_video(tmp_path / "clip.mp4", times, width=640, height=480)
    fake = ReplayPose(lambda t: float(trace(np.array([t]), reps, rest=0.0, full_range=40.0)[0]))
    session = FormChecker(load_protocol("band-tempo"), estimator_factory=lambda: fake).run_video(clip)
    assert fake.calls == len(times[::3])  # the fast path: ten poses a second of a 30 frames/s clip
    assert session.summary.rep_count == 3
    every = ReplayPose(fake.angle_of_time)
    FormChecker(load_protocol("band-tempo"), estimator_factory=lambda: every, pose_interval_s=0.0).run_video(clip)
    assert every.calls == len(times)
    for scored, spec in zip(session.scores, reps):
        assert scored.rep.concentric.start_s == pytest.approx(spec.start_s, abs=0.15)
        assert scored.rep.eccentric.end_s == pytest.approx(spec.edges[3], abs=0.2)


def test_wheel_carries_the_pose_model(tmp_path):
    """An installed (non-editable) calfcheck finds its model: the wheel installs it under the prefix."""
    src = tmp_path / "src"  # build from a copy: an in-tree build would leave build/ in the checkout
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "test-artifacts", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache"
        ),
    )
    wheels = tmp_path / "wheels"
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    wheel = next(wheels.glob("calfcheck-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith(".data/data/share/calfcheck/models/pose_landmarker_full.task") for n in names), names
    assert "vision/batch/worker.py" in names and "vision/protocols/band-tempo.toml" in names
    assert "vision/records/service.py" in names and "vision/kinds/registry.py" in names
    assert "vision/upload_queue/endpoint.py" in names  # calfcheck worker and upload-server, installed
    # the database's migrations and the programme's rules travel with the package
    for needed in ("vision/store/migrations/env.py", "vision/store/migrations/versions/0001_course.py",
                   "vision/store/migrations/versions/0002_review.py",
                   "vision/store/migrations/versions/0003_name_key.py", "vision/store/migrations/versions/0004_load.py",
                   "vision/programme.toml"):  # fmt: skip
        assert needed in names, needed


def test_model_is_found_under_the_prefix_when_not_in_a_checkout(tmp_path, monkeypatch):
    from vision import pose

    installed = tmp_path / "share" / "calfcheck" / "models"
    installed.mkdir(parents=True)
    (installed / pose.MODEL_NAME).write_bytes(b"model")
    monkeypatch.delenv("CALFCHECK_MODEL", raising=False)
    monkeypatch.setattr(pose, "MODEL_DIRS", (tmp_path / "no-checkout", installed))
    assert pose.default_model_path() == installed / pose.MODEL_NAME
    monkeypatch.setenv("CALFCHECK_MODEL", str(tmp_path / "mine.task"))
    assert pose.default_model_path() == tmp_path / "mine.task"


def test_the_model_sees_the_frame_not_its_row_padding(sample_video):
    """PyAV pads each row of a 600-px RGB frame to 1824 bytes; handed over as it is, MediaPipe reads the
    pixels skewed and finds nobody. The estimator must hand over the real picture."""
    import itertools

    import av

    from vision.pose import MediaPipePose, contiguous_rgb
    from vision.types import Frame

    with av.open(str(sample_video)) as c:
        images = [f.to_ndarray(format="rgb24", width=600, height=338) for f in itertools.islice(c.decode(video=0), 40)]
    assert images[0].strides[0] != 600 * 3  # padded rows: the trap
    assert contiguous_rgb(images[0]).strides[0] == 600 * 3
    with MediaPipePose() as pose:
        found = [pose(Frame(img, i / 30, i)).has_person for i, img in enumerate(images)]
    assert sum(found) >= 30  # the walker is in every frame of the sample's start
