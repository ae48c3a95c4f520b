"""Files written new, never over another: claimed whole and exclusively (all of a group or
none), a file replaced only while it is still the one written, numbered names."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from gdtui.core import files
from gdtui.core.files import NotOurs, file_id, free_stem, numbered, replace_own, write_new


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_a_new_file_is_written_whole_and_one_there_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    (own,) = write_new([(path, (f"{i}\n" for i in range(100)))])
    assert path.read_text() == "".join(f"{i}\n" for i in range(100))
    assert own == file_id(path)
    with pytest.raises(FileExistsError):
        write_new([(path, "another\n")])
    assert path.read_text().startswith("0\n1\n") and _names(tmp_path) == ["run.toml"]


def test_a_link_there_is_not_written_through(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_text("mine\n")
    (tmp_path / "link.csv").symlink_to(target)
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "nowhere")
    for name in ("link.csv", "dangling.csv"):
        with pytest.raises(FileExistsError):
            write_new([(tmp_path / name, "new\n")])
    assert target.read_text() == "mine\n" and not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("links", [True, False], ids=["hard-links", "no-hard-links"])
def test_a_group_is_claimed_all_or_none(tmp_path: Path, monkeypatch, links: bool) -> None:
    if not links:  # FAT, some network shares: the name is made exclusively, then filled

        def no_link(*args: object, **kwargs: object) -> None:
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(files.os, "link", no_link)
    stem = tmp_path / "export"
    (tmp_path / "export.toml").write_text("earlier\n")
    group = [(Path(f"{stem}{suffix}"), suffix) for suffix in (".csv", ".jsonl", ".toml")]
    with pytest.raises(FileExistsError):
        write_new(group)
    assert _names(tmp_path) == ["export.toml"]  # the first two were taken back
    assert (tmp_path / "export.toml").read_text() == "earlier\n"
    assert free_stem(stem, (".csv", ".jsonl", ".toml")) == tmp_path / "export-2"
    write_new([(Path(f"{tmp_path / 'export-2'}{suffix}"), suffix) for _, suffix in group])
    assert (tmp_path / "export-2.jsonl").read_text() == ".jsonl"
    assert (tmp_path / "export-2.csv").stat().st_mode & 0o777 == files.NEW_FILE_MODE
    assert not [name for name in _names(tmp_path) if name.endswith(".tmp")]


def test_only_the_file_written_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    (own,) = write_new([(path, "1\n")])
    own = replace_own(path, "2\n", own)
    assert path.read_text() == "2\n" and file_id(path) == own
    other = tmp_path / "other"
    other.write_text("someone else's\n")
    os.replace(other, path)  # another session (or anything) put its file there
    with pytest.raises(NotOurs):
        replace_own(path, "3\n", own)
    assert path.read_text() == "someone else's\n"
    path.unlink()
    with pytest.raises(NotOurs):
        replace_own(path, "3\n", own)
    assert _names(tmp_path) == []


def test_numbered_names() -> None:
    assert numbered(Path("d/run.toml"), 1) == Path("d/run.toml")
    assert numbered(Path("d/run.toml"), 2) == Path("d/run-2.toml")
    assert numbered(Path("d/gdtui-numpy-manual-3-epochs"), 3) == Path(
        "d/gdtui-numpy-manual-3-epochs-3"
    )
    assert numbered(Path("settings.json.invalid"), 2) == Path("settings.json-2.invalid")


def test_a_file_made_again_under_the_same_inode_number_is_not_ours(tmp_path):
    """Deleted and made again, a file often gets its old inode number back (the hostile
    trial saw it every time): its change time tells it apart, and it is left alone."""
    import time

    path = tmp_path / "r.toml"
    (own,) = write_new([(path, "ours = 1\n")])
    path.unlink()
    time.sleep(0.05)  # past the file system's clock tick
    path.write_text("mine = 1\n")
    recreated = file_id(path)
    assert recreated is not None
    reused = (*recreated[:2], *own[2:])  # the new file under the old one's number
    with pytest.raises(NotOurs):
        replace_own(path, "ours = 2\n", reused)
    assert path.read_text() == "mine = 1\n"
    (own,) = write_new([(tmp_path / "s.toml", "ours = 1\n")])
    again = replace_own(tmp_path / "s.toml", "ours = 2\n", own)  # still ours: replaced
    replace_own(tmp_path / "s.toml", "ours = 3\n", again)
    assert (tmp_path / "s.toml").read_text() == "ours = 3\n"
