"""`generate()` and `emma-fs synth`: deterministic per seed and independent of worker count,
--images all|none|N, progress through the Progress interface, clear errors for bad input,
stale chunk files replaced, and the CLI's JSON summary."""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from emma_fs.errors import EmmaError
from emma_fs.progress import Progress
from emma_fs.sources.synth import generate


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a = generate(tmp_path / "a", 150, seed=3, images="5")
    b = generate(tmp_path / "b", 150, seed=3, images="5")
    c = generate(tmp_path / "c", 150, seed=4, images="5")
    da, db, dc = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert da == db and len(da) > 10
    assert da != dc
    assert {k: v for k, v in a.items() if k not in ("out_dir", "seconds")} == {
        k: v for k, v in b.items() if k not in ("out_dir", "seconds")}
    assert c["listings"] > 0


@pytest.mark.slow
def test_worker_count_does_not_change_output(tmp_path):
    generate(tmp_path / "one", 260, seed=1, images="none", workers=1, chunk_objects=100)
    generate(tmp_path / "two", 260, seed=1, images="none", workers=2, chunk_objects=100)
    one, two = _digest(tmp_path / "one"), _digest(tmp_path / "two")
    assert one == two
    assert len([k for k in one if k.startswith("spapi/")]) == 3  # three chunks
    truth = pq.read_table(tmp_path / "one" / "truth" / "truth.parquet")
    assert truth.num_rows == len(set(truth.column("asin").to_pylist()))
    assert sorted(set(truth.column("object_id").to_pylist())) == list(range(260))


def test_images_none_all_and_n(tmp_path):
    none = generate(tmp_path / "none", 80, seed=2, images="none")
    assert none["images_written"] == 0 and not list((tmp_path / "none").rglob("*.jpg"))
    truth = pq.read_table(tmp_path / "none" / "truth" / "truth.parquet").to_pylist()
    assert sum(len(t["image_ids"]) for t in truth) > 80  # URLs stay in the records
    every = generate(tmp_path / "all", 80, seed=2, images="all")
    assert every["images_written"] == sum(len(t["image_ids"]) for t in truth)
    first = generate(tmp_path / "n", 80, seed=2, images=10)
    assert first["images_written"] == sum(len(t["image_ids"]) for t in truth[:10])


def test_regenerating_replaces_stale_chunks_but_keeps_other_files(tmp_path):
    out = tmp_path / "raw"
    generate(out, 250, seed=0, images="none", chunk_objects=100, workers=1)
    (out / "notes.txt").write_text("mine")
    generate(out, 90, seed=0, images="none", chunk_objects=100, workers=1)
    assert sorted(p.name for p in (out / "spapi").iterdir()) == ["items_0000.jsonl.gz"]
    assert (out / "notes.txt").read_text() == "mine"


class _Recorder(Progress):
    def __init__(self) -> None:
        self.tasks: list[tuple[str, int | None]] = []
        self.advanced = 0

    @contextmanager
    def task(self, description, total=None):
        self.tasks.append((description, total))
        rec = self

        class _H:
            def advance(self, n: int = 1) -> None:
                rec.advanced += n

        yield _H()


def test_progress_is_reported_through_the_interface(tmp_path):
    rec = _Recorder()
    generate(tmp_path / "p", 120, seed=0, images="none", progress=rec, chunk_objects=50,
             workers=1)
    assert rec.tasks and rec.tasks[0][1] == 120
    assert rec.advanced == 120


@pytest.mark.parametrize("kwargs, message", [
    ({"n_objects": 0}, "at least 1"),
    ({"n_objects": 10, "images": "some"}, "invalid --images"),
    ({"n_objects": 10, "images": "-3"}, "invalid --images"),
    ({"n_objects": 10, "chunk_objects": 0}, "chunk_objects"),
])
def test_bad_arguments_are_clear_errors(tmp_path, kwargs, message):
    with pytest.raises(EmmaError, match=message):
        generate(tmp_path / "x", **kwargs)


def test_output_path_that_is_a_file_is_rejected(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(EmmaError, match="not a folder"):
        generate(f, 5)


def test_cli_prints_a_json_summary(tmp_path):
    from cli.main import app

    out = tmp_path / "raw"
    result = CliRunner().invoke(app, ["--format", "json", "synth", "--objects", "40", "--seed",
                                      "7", "--out", str(out), "--images", "none"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["objects"] == 40 and summary["images_written"] == 0
    assert summary["listings"] == (summary["ucsd2018_listings"] + summary["amazon2023_listings"]
                                   + summary["spapi_listings"] + summary["image2mass_listings"]
                                   ) - _multi(out)
    bad = CliRunner().invoke(app, ["synth", "--objects", "0", "--out", str(out)])
    assert bad.exit_code != 0


def _multi(out: Path) -> int:
    truth = pq.read_table(out / "truth" / "truth.parquet").to_pylist()
    return sum(len(t["sources"]) - 1 for t in truth)


def test_cli_help_is_instant_and_lists_options():
    from cli.main import app

    result = CliRunner().invoke(app, ["synth", "--help"])
    assert result.exit_code == 0
    for opt in ("--objects", "--seed", "--out", "--images"):
        assert opt in result.output
