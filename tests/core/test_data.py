"""Datasets: the seeds' presets and CSV files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdtui.core.settings.data import PRESETS, Dataset, load_csv, parse_csv
from gdtui.core.settings.parse import ParseError


def test_presets_are_the_seeds_data() -> None:
    assert PRESETS["line4"].x == (1.0, 2.0, 3.0, 4.0)
    assert PRESETS["line4"].y == (2.0, 4.0, 6.0, 8.0)
    assert PRESETS["line5"].x == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert PRESETS["line5"].y == tuple(2 * x for x in PRESETS["line5"].x)
    for name, dataset in PRESETS.items():
        assert dataset.name == name
        assert len(dataset) == len(dataset.x) == len(dataset.y)


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ((), (), "no points"),
        ((1.0, 2.0), (1.0,), "must match"),
        ((1.0, float("nan")), (1.0, 2.0), "finite"),
        ((1.0,), (float("inf"),), "finite"),
    ],
)
def test_dataset_rejects(x: tuple, y: tuple, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        Dataset("bad", x, y)


def _write(tmp_path: Path, content: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize(
    "content",
    [
        "x,y\n1,2\n2,4.5\n-3,1e2\n",
        "y,x\n2,1\n4.5,2\n1e2,-3\n",
        "id,y,note,x\n1,2,a,1\n2,4.5,b,2\n3,1e2,c,-3\n",
        " X , Y \n 1 , 2 \n2,4.5\r\n-3,1e2",
        "\ufeffx,y\n1,2\n2,4.5\n-3,1e2\n",
        "\n\nx,y\n\n1,2\n ,  \n2,4.5\n\n-3,1e2\n\n",
        "x,y\r\n1,2\r\n2,4.5\r\n-3,1e2\r\n",
        'x,y\n"1","2"\n2,4.5\n-3,1e2\n',
    ],
    ids=[
        "plain",
        "swapped",
        "extra-columns",
        "spaces-crlf",
        "bom",
        "blank-lines",
        "crlf",
        "quoted",
    ],
)
def test_load_csv_accepts(tmp_path: Path, content: str) -> None:
    dataset = load_csv(_write(tmp_path, content))
    assert dataset.x == (1.0, 2.0, -3.0)
    assert dataset.y == (2.0, 4.5, 100.0)
    assert dataset.name == "data.csv"


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("a,y\n1,2\n", r"no column 'x'"),
        ("x,b\n1,2\n", r"no column 'y'"),
        ("a,b\n1,2\n", r"'x' or 'y'"),
        ("x,y\n", "header but no data rows"),
        ("x,y\n\n\n", "header but no data rows"),
        ("", "empty"),
        ("\n \n", "empty"),
        ("x,y\n1,2\n3,abc\n", r"row 3, column 'y'"),
        ("x,y\n1,2\n,4\n", r"row 3, column 'x'"),
        ("y,x\n1,2\nnan,3\n", r"row 3, column 'y'"),
        ("x,y\n1,2\n3,inf\n", r"row 3, column 'y'"),
        ("x,y\n1,2\n3\n", r"row 3 has no value in column 'y'"),
        ("x,y\n1,1_000\n", r"row 2, column 'y'"),
    ],
)
def test_load_csv_rejects(tmp_path: Path, content: str, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        load_csv(_write(tmp_path, content))


def test_load_csv_row_is_the_line_of_the_file(tmp_path: Path) -> None:
    # blank lines count, so the row named is the line an editor shows
    with pytest.raises(ParseError, match=r"row 5, column 'x'"):
        load_csv(_write(tmp_path, "\nx,y\n1,2\n\nfoo,3\n"))
    with pytest.raises(ParseError, match=r"row 4 has no value in column 'y'"):
        load_csv(_write(tmp_path, "x,y\n\n1,2\n3\n"))


def test_load_csv_binary_file(tmp_path: Path) -> None:
    path = _write(tmp_path, b"x,y\n1,2\n\x00\x01\x02\xff", "blob.csv")
    with pytest.raises(ParseError, match="is a binary file, not a CSV file"):
        load_csv(path)


def test_load_csv_not_utf8(tmp_path: Path) -> None:
    path = _write(tmp_path, "x,y\n1,2\n3,4 \u00e9\n".encode("latin-1"), "latin.csv")
    with pytest.raises(ParseError, match="is not UTF-8 text"):
        load_csv(path)


def test_load_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"no such file: .*nope\.csv"):
        load_csv(tmp_path / "nope.csv")


def test_load_csv_directory(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="is a directory, not a CSV file"):
        load_csv(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_load_csv_unreadable(tmp_path: Path) -> None:
    path = _write(tmp_path, "x,y\n1,2\n")
    path.chmod(0)
    with pytest.raises(ParseError, match="cannot read"):
        load_csv(path)


def test_load_csv_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gdtui.core.files as files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 20)
    path = _write(tmp_path, "x,y\n" + "1,2\n" * 10)
    with pytest.raises(ParseError, match="is larger than"):
        load_csv(path)


def test_parse_csv_text() -> None:
    assert parse_csv("x,y\n1,2\n", name="typed") == Dataset("typed", (1.0,), (2.0,))
    with pytest.raises(ParseError, match="not a valid CSV"):
        parse_csv('x,y\n1,"' + "2" * 200_000 + '"\n')  # beyond the csv module's field limit
    with pytest.raises(ParseError, match="row 2, column 'y'"):
        parse_csv("x,y\n1,\x002\n")


@settings(max_examples=400, deadline=None)
@given(
    st.text(max_size=80)
    | st.lists(
        st.lists(
            st.sampled_from(["x", "y", "X", "", " ", "1", "-2.5", "1e3", "nan", "a", '"']),
            max_size=4,
        ).map(",".join),
        max_size=6,
    ).map("\n".join)
)
def test_parse_csv_any_text_gives_dataset_or_parse_error(text: str) -> None:
    try:
        dataset = parse_csv(text)
    except ParseError:
        return
    assert isinstance(dataset, Dataset)
    assert len(dataset.x) == len(dataset.y) > 0


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(ParseError, match="is a FIFO, not a CSV file: give a regular file"):
        load_csv(fifo)
    assert time.monotonic() - start < 1.0


def test_a_device_is_refused() -> None:
    with pytest.raises(ParseError, match="is a device or socket"):
        load_csv("/dev/zero")  # would never end


def test_a_duplicated_column_is_refused_by_its_numbers() -> None:
    with pytest.raises(ParseError, match=r"gives columns 1 and 3 the same name \(x\);"):
        parse_csv("x,y,x\n1,2,3\n")
    with pytest.raises(ParseError, match=r"1 and 3 the same name \(x\); columns 2 and 4 .*\(y\)"):
        parse_csv("x,Y,X ,y\n1,2,3,4\n")


def test_rows_beyond_the_limit_are_refused_saying_the_limit() -> None:
    from gdtui.core.settings.data import MAX_POINTS

    assert len(parse_csv("x,y\n" + "1,2\n" * MAX_POINTS)) == MAX_POINTS
    with pytest.raises(ParseError, match=f"more than {MAX_POINTS:,} data rows"):
        parse_csv("x,y\n" + "1,2\n" * (MAX_POINTS + 1))


def test_a_loaded_csv_remembers_where_it_came_from(tmp_path: Path) -> None:
    path = _write(tmp_path, "x,y\n1,2\n")
    assert load_csv(path).source == str(path.absolute())


def test_an_error_never_quotes_more_of_the_file_than_finds_the_problem(tmp_path: Path) -> None:
    secret = "root:*:20228:0:99999:7:::"
    for text in (f"{secret}\n", f"x,y,{secret},{secret}\n1,2,3,4\n", f"x,y\n1,{secret}\n"):
        with pytest.raises(ParseError) as error:
            load_csv(_write(tmp_path, text))
        assert "20228:0" not in str(error.value), str(error.value)
    with pytest.raises(ParseError, match=r"line 1\) has no column 'x' or 'y'.*\(it has 1 column\)"):
        parse_csv(f"{secret}\n")


@pytest.mark.parametrize("preset", ["line4", "line5", "noisy"])
@pytest.mark.parametrize("variant", ["numpy-manual", "torch-autograd", "torch-optim"])
def test_every_preset_fits_with_the_default_settings(preset, variant):
    """Chosen with nothing else changed, a preset's run converges: its rate is under the
    stable limit, and w reaches the least-squares slope through the origin, Σxy / Σx²,
    computed here."""
    from gdtui.core.engine.divergence import stable_lr
    from gdtui.core.engine.trainer import Trainer
    from gdtui.core.settings.config import config_from_options

    config = config_from_options({"dataset": preset, "variant": variant})
    limit = stable_lr(config)
    assert limit is None or config.lr < limit.lr
    x, y = np.asarray(config.dataset.x), np.asarray(config.dataset.y)
    best = float(x @ y / (x @ x))
    trainer = Trainer(config)
    records = [trainer.run_epoch() for _ in range(config.epochs)]
    assert records[-1].w == pytest.approx(best, rel=1e-3)
    assert records[-1].loss <= records[0].loss
