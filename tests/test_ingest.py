import json

import pandas as pd
import pytest

from kgbuild import ingest
from kgbuild.errors import BadInput
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext
from kgbuild.workdir import Layout, read_parquet


def run(tmp_path, catalog, **settings):
    layout = Layout(tmp_path / "work")
    report = ingest.run(BuildContext.standalone(layout, Settings(**settings), catalog))
    return report, read_parquet(layout.products), read_parquet(layout.quarantine("ingest"))


def test_csv_with_mapped_columns_keeps_other_columns_as_attributes(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text("id,name,pic,colour\n7,Red Dress,img/7.jpg,Red\n8,Blue Jeans,,Blue\n")
    report, products, quarantined = run(tmp_path, catalog, id_col="id", title_col="name", image_col="pic")
    assert {k: report[k] for k in ("input_rows", "accepted", "quarantined")} == {
        "input_rows": 2,
        "accepted": 2,
        "quarantined": 0,
    }
    assert products["product_id"].tolist() == ["7", "8"]
    assert products["title"].tolist() == ["Red Dress", "Blue Jeans"]
    assert products.loc[0, "image_uri"] == str(tmp_path / "img" / "7.jpg")
    assert pd.isna(products.loc[1, "image_uri"])
    assert [json.loads(a) for a in products["attributes"]] == [{"colour": "Red"}, {"colour": "Blue"}]
    assert quarantined.empty


def test_columns_named_like_the_settings_but_for_their_case_are_used(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text("Product_ID,Title,Description,Colour\n7,Red Dress,A dress in red silk.,Red\n")
    report, products, _ = run(tmp_path, catalog)
    assert report["renamed_columns"] == {"Product_ID": "product_id", "Title": "title", "Description": "description"}
    assert products[["product_id", "title", "description"]].values.tolist() == [
        ["7", "Red Dress", "A dress in red silk."]
    ]
    assert json.loads(products.loc[0, "attributes"]) == {"Colour": "Red"}
    # where a column has the setting's own name, another spelling of it is just another column
    catalog.write_text("product_id,title,Title\n7,Red Dress,Dress\n")
    _, products, _ = run(tmp_path, catalog)
    assert products.loc[0, "title"] == "Red Dress" and json.loads(products.loc[0, "attributes"]) == {"Title": "Dress"}
    # so are a JSONL record's keys
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text(json.dumps({"Product_ID": 8, "Title": "Blue Jeans", "Description": "Jeans in denim."}) + "\n")
    _, products, _ = run(tmp_path / "jsonl", jsonl)
    assert products[["product_id", "title", "description"]].values.tolist() == [["8", "Blue Jeans", "Jeans in denim."]]


def test_jsonl_and_parquet_read_the_same_products(tmp_path):
    rows = [{"product_id": 1, "title": "Linen Shirt", "image": "https://example.invalid/1.jpg"}]
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    parquet = tmp_path / "c.parquet"
    pd.DataFrame(rows).to_parquet(parquet)
    _, from_jsonl, _ = run(tmp_path / "a", jsonl)
    _, from_parquet, _ = run(tmp_path / "b", parquet)
    assert from_jsonl.drop(columns="source_row").equals(from_parquet.drop(columns="source_row"))
    assert from_jsonl.loc[0, "image_uri"] == "https://example.invalid/1.jpg"
    assert from_jsonl.loc[0, "product_id"] == "1"


def test_bad_rows_are_quarantined_with_row_field_and_reason(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text("product_id,title\n1,Shirt\n,No Id\n1,Duplicate\n3,\n4,Shoes\n")
    report, products, quarantined = run(tmp_path, catalog)
    assert {k: report[k] for k in ("input_rows", "accepted", "quarantined")} == {
        "input_rows": 5,
        "accepted": 2,
        "quarantined": 3,
    }
    assert products["product_id"].tolist() == ["1", "4"]
    got = quarantined[["source_row", "field", "reason"]].to_dict(orient="records")
    assert got == [
        {
            "source_row": 2,
            "field": "product_id",
            "reason": "missing product id [ingest: expect_column_values_to_not_be_null]",
        },
        {
            "source_row": 3,
            "field": "product_id",
            "reason": "duplicate product id '1' (first seen at row 1) [ingest: expect_column_values_to_be_unique]",
        },
        {"source_row": 4, "field": "title", "reason": "missing title [ingest: expect_column_values_to_not_be_null]"},
    ]
    assert json.loads(quarantined.loc[1, "raw"]) == {"product_id": "1", "title": "Duplicate"}


def test_jsonl_line_that_is_not_json_is_quarantined(tmp_path):
    catalog = tmp_path / "c.jsonl"
    catalog.write_text('{"product_id": "a", "title": "Cap"}\n{not json\n["list"]\n')
    report, products, quarantined = run(tmp_path, catalog)
    assert {k: report[k] for k in ("input_rows", "accepted", "quarantined")} == {
        "input_rows": 3,
        "accepted": 1,
        "quarantined": 2,
    }
    assert quarantined["source_row"].tolist() == [2, 3]
    assert quarantined.loc[0, "reason"].startswith("not valid JSON")
    assert quarantined.loc[1, "reason"] == "not a JSON object"


def test_missing_required_column_names_file_column_and_flag(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text("id,productDisplayName\n1,Shirt\n")
    with pytest.raises(ingest.CatalogError) as error:
        run(tmp_path, catalog)
    message = str(error.value)
    assert str(catalog) in message and "'product_id'" in message and "--id-col" in message


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [("c.xml", "<x/>", "unsupported catalog format"), ("c.csv", "product_id,title\n", "no data rows")],
)
def test_unreadable_catalogs_raise_clear_errors(tmp_path, name, content, expected):
    catalog = tmp_path / name
    catalog.write_text(content)
    with pytest.raises(ingest.CatalogError, match=expected):
        run(tmp_path, catalog)


def test_an_image_field_listing_several_images_gives_the_product_its_first(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text(
        "id,title,image\n"
        '1,Tee,"https://shop.example/tee-green.png, https://shop.example/tee-blue.png"\n'
        "2,Cap,img/cap-front.jpg|img/cap-back.jpg\n"
        '3,Bag,"https://cdn.example/upload/w_400,c_fill/bag.jpg"\n'
        "4,Mug,my photos/mug 1.jpg\n"
    )
    report, products, quarantined = run(tmp_path, catalog, id_col="id")
    assert products["image_uri"].tolist() == [
        "https://shop.example/tee-green.png",
        str(tmp_path / "img" / "cap-front.jpg"),
        "https://cdn.example/upload/w_400,c_fill/bag.jpg",  # one URL with commas of its own
        str(tmp_path / "my photos" / "mug 1.jpg"),
    ]
    assert report["listed_images"] == {"rows": 2, "first_rows": [1, 2]}
    assert quarantined.empty
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text(
        json.dumps({"product_id": 5, "title": "Scarf", "image": ["", "https://shop.example/s.png"]}) + "\n"
    )
    report, products, _ = run(tmp_path / "jsonl", jsonl)
    assert products["image_uri"].tolist() == ["https://shop.example/s.png"]
    assert report["listed_images"]["rows"] == 0


def test_a_catalog_in_another_encoding_is_read_with_encoding(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_bytes("product_id,title\n1,Café Shirt™ – blue\n".encode("cp1252") + b"2,Cap \x81\n")
    report, products, quarantined = run(tmp_path / "utf8", catalog)
    assert report["accepted"] == 0 and quarantined["field"].tolist() == ["title", "title"]
    assert quarantined["reason"].iloc[0].startswith("not valid UTF-8 (byte 0xE9); a catalog in another encoding")
    report, products, quarantined = run(tmp_path / "cp1252", catalog, encoding="Windows-1252")
    assert products["title"].tolist() == ["Café Shirt™ – blue"]
    assert quarantined[["source_row", "reason"]].values.tolist() == [[2, "not valid cp1252 (byte 0x81)"]]
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_bytes('{"product_id": "1", "title": "Café"}\n'.encode("latin-1"))
    _, products, _ = run(tmp_path / "jsonl", jsonl, encoding="latin-1")
    assert products["title"].tolist() == ["Café"]
    with pytest.raises(BadInput, match="unknown text encoding 'klingon'"):
        Settings.from_overrides({"encoding": "klingon"})


def test_a_csv_with_another_delimiter_is_read_with_delimiter(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text("product_id;title;colour\n1;Shirt, red;Red\n")
    with pytest.raises(ingest.CatalogError, match="the header looks ';'-separated: pass --delimiter ';'"):
        run(tmp_path / "comma", catalog)
    _, products, _ = run(tmp_path / "semicolon", catalog, delimiter=";")
    assert products[["product_id", "title"]].values.tolist() == [["1", "Shirt, red"]]
    assert json.loads(products.loc[0, "attributes"]) == {"colour": "Red"}
    catalog.write_text("product_id\ttitle\n1\tCap\n")
    _, products, _ = run(tmp_path / "tab", catalog, delimiter="tab")
    assert products["title"].tolist() == ["Cap"]
    with pytest.raises(BadInput, match="a delimiter is one character"):
        Settings.from_overrides({"delimiter": ";;"})
