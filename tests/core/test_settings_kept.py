"""The remembered settings' file as its owner keeps it: a link (settings kept with one's
dotfiles) stays a link, its target written atomically; every unreadable file is kept, a
second one under a name of its own rather than over the first."""

from __future__ import annotations

from pathlib import Path

from gdtui.core.settings import remembered as remembered_settings
from gdtui.core.settings.config import RunConfig


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_a_settings_file_that_is_a_link_is_written_through_it(tmp_path: Path) -> None:
    dotfiles, config = tmp_path / "dotfiles", tmp_path / "config" / "gdtui"
    dotfiles.mkdir()
    config.mkdir(parents=True)
    target = dotfiles / "gdtui.json"
    target.write_text("{}\n")
    path = config / "settings.json"
    path.symlink_to("../../dotfiles/gdtui.json")  # relative, as dotfile managers make them
    chosen = RunConfig(variant="torch-module", lr=0.02)
    assert remembered_settings.save(path, "nord", chosen) is None
    assert path.is_symlink() and path.resolve() == target
    assert remembered_settings.load(path) == remembered_settings.Remembered("nord", chosen)
    assert _names(dotfiles) == ["gdtui.json"] and _names(config) == ["settings.json"]


def test_a_second_unreadable_file_does_not_replace_the_first_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{ first")
    assert remembered_settings.set_aside(path) == tmp_path / "settings.json.invalid"
    assert remembered_settings.save(path, "nord", RunConfig()) is None
    path.write_text("{ second")
    # What the start-up notice names is where it is then kept.
    assert remembered_settings.set_aside(path) == tmp_path / "settings.json-2.invalid"
    assert remembered_settings.save(path, "nord", RunConfig()) is None
    assert (tmp_path / "settings.json.invalid").read_text() == "{ first"
    assert (tmp_path / "settings.json-2.invalid").read_text() == "{ second"
    assert remembered_settings.load(path).config == RunConfig()


def test_an_unreadable_linked_file_is_kept_beside_its_target(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "gdtui.json"
    target.parent.mkdir()
    target.write_text("not json")
    path = tmp_path / "settings.json"
    path.symlink_to(target)
    assert remembered_settings.set_aside(path) == target.with_name("gdtui.json.invalid")
    assert remembered_settings.save(path, "nord", RunConfig()) is None
    assert target.with_name("gdtui.json.invalid").read_text() == "not json"
    assert path.is_symlink() and remembered_settings.load(path).theme == "nord"


def test_a_link_to_no_file_yet_is_no_problem_and_the_first_save_makes_its_target(tmp_path):
    """Dotfiles often link settings.json to a file not made yet: nothing to say about it at
    start (it was "not used … kept as …invalid", and nothing was kept), and the save writes
    the target through the link."""
    from gdtui.core.settings import remembered
    from gdtui.core.settings.config import RunConfig

    target = tmp_path / "dotfiles" / "gdtui.json"
    target.parent.mkdir()
    link = tmp_path / "settings.json"
    link.symlink_to(target)
    loaded = remembered.load(link)
    assert loaded.problem is None and loaded.config is None
    assert remembered.save(link, "textual-dark", RunConfig(lr=0.02)) is None
    assert link.is_symlink() and remembered.load(link).config == RunConfig(lr=0.02)
