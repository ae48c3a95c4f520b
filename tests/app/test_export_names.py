"""An export never replaces an earlier one: the same run length exported again (``n e``, then
``+ r n e``) goes under a new name, its three files claimed together, and the notice says so."""

from __future__ import annotations

from gdtui.app import make_app
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.files import load_options
from tests.showcase import finish_work

from .conftest import press_and_settle

STEM = "gdtui-numpy-manual-1-epochs"


async def test_an_export_of_as_many_epochs_again_gets_a_new_name(tmp_path):
    app = make_app(RunConfig(variant="numpy-manual"), output_dir=tmp_path)
    async with app.run_test() as pilot:
        await press_and_settle(app, pilot, "n", "e")
        await finish_work(app)
        first = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
        await press_and_settle(app, pilot, "plus", "r", "n", "e")
        await finish_work(app)
        await pilot.pause()
        notices = [n.message for n in app._notifications if n.message.startswith("Exported")]
    assert sorted(first) == [f"{STEM}.csv", f"{STEM}.jsonl", f"{STEM}.toml"]
    assert {name: (tmp_path / name).read_bytes() for name in first} == first  # untouched
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [*first, f"{STEM}-2.csv", f"{STEM}-2.jsonl", f"{STEM}-2.toml"]
    )
    assert load_options(tmp_path / f"{STEM}-2.toml")["lr"] == 0.02
    settings = (tmp_path / f"{STEM}-2.toml").read_text()
    assert f"# gdtui export: 1 epoch of this run ({STEM}-2.csv, .jsonl)" in settings
    assert f"gdtui run --config {STEM}-2.toml" in settings
    assert f"{STEM}.*" not in notices[0] and f"{STEM}.csv" in notices[0]
    assert f"{tmp_path / STEM}-2.csv and .jsonl" in notices[1]
    assert f"a new name, as {STEM}.* are kept from before" in notices[1], notices[1]
    assert f"gdtui --config {STEM}-2.toml" in notices[1]
