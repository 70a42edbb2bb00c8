"""The catalog registry a scheduled kg_build run reads: TOML or YAML, checked, paths from the file's folder."""

from pathlib import Path

import pytest

from kgbuild import registry
from kgbuild.registry import RegistryError

TOML = """
workdir = "work"
[settings]
clip_model = "none"
min_support = 3
[[catalogs]]
id = "luma"
location = "luma/products.csv"
columns = {id = "item_id", title = "name"}
settings = {min_support = 2}
[[catalogs]]
id = "ikea"
location = "/data/ikea.csv"
"""
YAML = """
workdir: work
settings: {clip_model: none, min_support: 3}
catalogs:
  - {id: luma, location: luma/products.csv, columns: {id: item_id, title: name}, settings: {min_support: 2}}
  - {id: ikea, location: /data/ikea.csv}
"""


@pytest.mark.parametrize(("name", "text"), [("catalogs.toml", TOML), ("catalogs.yaml", YAML)])
def test_each_catalog_gets_the_registrys_settings_then_its_own_columns_id_and_the_shared_snapshots(
    tmp_path, name, text
):
    (tmp_path / name).write_text(text)
    luma, ikea = registry.load(tmp_path / name).builds()
    assert (luma.catalog_id, luma.catalog, luma.workdir) == (
        "luma",
        tmp_path / "luma/products.csv",
        tmp_path / "work/luma",
    )
    assert (luma.settings.id_col, luma.settings.title_col, luma.settings.min_support) == ("item_id", "name", 2)
    assert (ikea.catalog, ikea.settings.id_col, ikea.settings.min_support) == (Path("/data/ikea.csv"), "product_id", 3)
    assert {b.settings.catalog_id for b in (luma, ikea)} == {"luma", "ikea"}
    assert luma.settings.snapshot_dir == ikea.settings.snapshot_dir == tmp_path / "work" / "snapshots"
    assert luma.settings.clip_model == "none"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('workdir = "w"\ncatalogs = []', "catalogs"),
        (
            'workdir = "w"\n[[catalogs]]\nid = "a"\nlocation = "a.csv"\n[[catalogs]]\nid = "a"\nlocation = "b.csv"',
            "listed twice: ['a']",
        ),
        ('workdir = "w"\n[[catalogs]]\nid = "a b"\nlocation = "a.csv"', "id"),
        (
            'workdir = "w"\n[[catalogs]]\nid = "a"\nlocation = "a.csv"\ncolumns = {sku = "x"}',
            "unknown catalog fields ['sku']",
        ),
        (
            'workdir = "w"\n[[catalogs]]\nid = "a"\nlocation = "a.csv"\nsettings = {min_support = 0}',
            "catalog 'a': invalid settings",
        ),
        ("workdir = ", "not a valid catalog registry"),
    ],
)
def test_a_bad_registry_is_refused_naming_the_file_and_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "catalogs.toml"
    path.write_text(text)
    with pytest.raises(RegistryError) as error:
        registry.load(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


def test_without_a_registry_the_message_names_what_to_set(monkeypatch, tmp_path):
    monkeypatch.delenv(registry.ENV_VAR, raising=False)
    with pytest.raises(RegistryError, match=f"set {registry.ENV_VAR} \\(or the Airflow Variable kgbuild_catalogs\\)"):
        registry.configured(None)
    with pytest.raises(RegistryError, match="catalog registry not found"):
        registry.configured(str(tmp_path / "absent.toml"))  # the Variable's value when the variable is unset
    monkeypatch.setenv(registry.ENV_VAR, str(tmp_path / "set.toml"))
    (tmp_path / "set.toml").write_text('workdir = "w"\n[[catalogs]]\nid = "a"\nlocation = "a.csv"\n')
    assert [b.catalog_id for b in registry.configured(str(tmp_path / "absent.toml")).builds()] == ["a"]
