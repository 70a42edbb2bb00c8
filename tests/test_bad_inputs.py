"""Bad catalogs: each case gets a clear message naming file, row and field, and nothing is lost
(input rows = accepted + quarantined). Bad image files are covered in test_images.py."""

import json

import pandas as pd
import pytest
from conftest import MYNTRA, requires_myntra

from kgbuild import ingest, pipeline
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext
from kgbuild.workdir import Layout, read_parquet

HEADER = b"product_id,title,image\n"
GOOD = b"1,Blue Denim Jacket,img/1.jpg\n"


def csv_bytes(*rows: bytes) -> bytes:
    return HEADER + GOOD + b"".join(rows)


# name: (file name, content, expected rejected rows as (row, field, reason start), accepted count)
QUARANTINED = {
    "non-UTF-8 byte": (
        "c.csv",
        csv_bytes(b"2,Caf\xe9 Shirt,img/2.jpg\n"),
        [(2, "title", "not valid UTF-8 (byte 0xE9)")],
        1,
    ),
    "non-UTF-8 id": (
        "c.csv",
        csv_bytes(b"2\xff,Shirt,img/2.jpg\n"),
        [(2, "product_id", "not valid UTF-8 (byte 0xFF)")],
        1,
    ),
    "NUL byte": ("c.csv", csv_bytes(b"2,Plain\x00Shirt,img/2.jpg\n"), [(2, "title", "contains a NUL byte")], 1),
    "duplicate id": (
        "c.csv",
        csv_bytes(b"1,Other Jacket,img/9.jpg\n"),
        [(2, "product_id", "duplicate product id '1' (first seen at row 1)")],
        1,
    ),
    "id with spaces duplicates": (
        "c.csv",
        csv_bytes(b" 1 ,Other Jacket,\n"),
        [(2, "product_id", "duplicate product id '1'")],
        1,
    ),
    "empty id": ("c.csv", csv_bytes(b",No Id Shirt,\n"), [(2, "product_id", "missing product id")], 1),
    "blank id": ("c.csv", csv_bytes(b"   ,No Id Shirt,\n"), [(2, "product_id", "missing product id")], 1),
    "empty title": ("c.csv", csv_bytes(b"2,,img/2.jpg\n"), [(2, "title", "missing title")], 1),
    "100 kB title": (
        "c.csv",
        csv_bytes(b"2," + b"Shirt " * 17000 + b",\n"),
        [(2, "title", "title has 101999 characters")],
        1,
    ),
    "too many fields": (
        "c.csv",
        csv_bytes(b"2,Shirt,img/2.jpg,extra\n"),
        [(2, "(row)", "has 4 fields, the header has 3 (line 3)")],
        1,
    ),
    "too few fields": ("c.csv", csv_bytes(b"2\n"), [(2, "(row)", "has 1 fields, the header has 3")], 1),
    "image path escaping the folder": (
        "c.csv",
        csv_bytes(b"2,Shirt,../../etc/passwd\n"),
        [(2, "image", "relative image path escapes")],
        1,
    ),
    "JSONL line not JSON": (
        "c.jsonl",
        b'{"product_id": "1", "title": "Cap"}\n{oops\n',
        [(2, "(line)", "not valid JSON")],
        1,
    ),
    "JSONL line not an object": (
        "c.jsonl",
        b'{"product_id": "1", "title": "Cap"}\n[1, 2]\n',
        [(2, "(line)", "not a JSON object")],
        1,
    ),
    "JSONL non-UTF-8": (
        "c.jsonl",
        b'{"product_id": "1", "title": "Cap"}\n{"product_id": "2", "title": "Caf\xe9"}\n',
        [(2, "title", "not valid UTF-8")],
        1,
    ),
    "JSONL title not text": (
        "c.jsonl",
        b'{"product_id": "1", "title": "Cap"}\n{"product_id": "2", "title": ["Cap"]}\n',
        [(2, "title", "title is of type list, not text")],
        1,
    ),
    "JSONL id an object": (
        "c.jsonl",
        b'{"product_id": "1", "title": "Cap"}\n{"product_id": {"sku": 2}, "title": "Hat"}\n',
        [(2, "product_id", "product id is of type dict")],
        1,
    ),
    "JSONL title an object": (
        "c.jsonl",
        b'{"product_id": "1", "title": "Cap"}\n{"product_id": "2", "title": {"en": "Hat"}}\n',
        [(2, "title", "title is of type dict")],
        1,
    ),
    "JSONL nested 5000 deep": (
        "c.jsonl",
        b'{"product_id": "1", "title": "Cap"}\n{"product_id": "2", "title": "Hat", "x": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}\n",
        [(2, "(line)", "nested 5001 deep, more than max_nesting=32")],
        1,
    ),
    "JSONL lone surrogate": (
        "c.jsonl",
        b'{"product_id": "1", "title": "Cap"}\n{"product_id": "2", "title": "Hat \\ud800"}\n',
        [(2, "title", "contains a lone surrogate (U+D800)")],
        1,
    ),
    "200 kB field": (
        "c.csv",
        csv_bytes(b"2,Shirt," + b"x" * 200_000 + b"\n"),
        [(2, "image", "has 200000 characters, more than max_field_chars=131072")],
        1,
    ),
    "id too long to index": (
        "c.csv",
        csv_bytes(b"9" * 300 + b",Shirt,\n"),
        [(2, "product_id", "product id has 300 characters, more than max_id_chars=256")],
        1,
    ),
    "JSONL missing title key": (
        "c.jsonl",
        b'{"product_id": "1", "title": "Cap"}\n{"product_id": "2"}\n',
        [(2, "title", "missing title")],
        1,
    ),
}

ACCEPTED = {
    "BOM": ("c.csv", b"\xef\xbb\xbf" + csv_bytes(), {"1": "Blue Denim Jacket"}),
    "emoji": ("c.csv", csv_bytes("2,Party Dress \U0001f389,\n".encode()), {"2": "Party Dress \U0001f389"}),
    "right-to-left": ("c.csv", csv_bytes("2,فستان أحمر,\n".encode()), {"2": "فستان أحمر"}),
    "quotes": ("c.csv", csv_bytes(b'2,"The ""Classic"" 5\'11 Tee",\n'), {"2": 'The "Classic" 5\'11 Tee'}),
    "Cypher-looking": (
        "c.csv",
        csv_bytes(b"2,'}) MATCH (n) DETACH DELETE n //,\n"),
        {"2": "'}) MATCH (n) DETACH DELETE n //"},
    ),
    "CRLF": ("c.csv", (HEADER + GOOD).replace(b"\n", b"\r\n"), {"1": "Blue Denim Jacket"}),
    "newline inside quotes": ("c.csv", csv_bytes(b'2,"Two\nLine Shirt",\n'), {"2": "Two Line Shirt"}),
    "TSV": ("c.tsv", b"product_id\ttitle\n7\tLinen Shirt\n", {"7": "Linen Shirt"}),
    "URL image": ("c.csv", csv_bytes(b"2,Cap,https://example.invalid/cap.jpg\n"), {"2": "Cap"}),
}

FATAL = {
    "empty file": ("c.csv", b"", "the file is empty"),
    "header only": ("c.csv", HEADER, "the catalog has no data rows"),
    "wrong delimiter": ("c.csv", b"product_id;title\n1;Shirt\n", "pass --delimiter ';'"),
    "missing required column": (
        "c.csv",
        b"product_id,name\n1,Shirt\n",
        "required column 'title' not found (choose another with --title-col)",
    ),
    "unsupported format": ("c.xlsx", b"PK", "unsupported catalog format '.xlsx'"),
    "not Parquet": ("c.parquet", b"not parquet at all", "not a readable Parquet file"),
}


def ingest_file(tmp_path, name, content):
    catalog = tmp_path / name
    catalog.write_bytes(content)
    layout = Layout(tmp_path / "work")
    report = ingest.run(BuildContext.standalone(layout, Settings(clip_model="none"), catalog))
    return report, read_parquet(layout.products), read_parquet(layout.quarantine("ingest"))


@pytest.mark.parametrize("case", QUARANTINED)
def test_bad_rows_are_quarantined_with_row_field_and_reason(tmp_path, case):
    name, content, expected, accepted = QUARANTINED[case]
    report, products, quarantined = ingest_file(tmp_path, name, content)
    assert report["input_rows"] == report["accepted"] + report["quarantined"] == accepted + len(expected)
    assert len(products) == accepted
    got = list(zip(quarantined["source_row"], quarantined["field"], quarantined["reason"], strict=True))
    assert [(row, field) for row, field, _ in got] == [(row, field) for row, field, _ in expected]
    assert all(reason.startswith(start) for (_, _, reason), (_, _, start) in zip(got, expected, strict=True))
    # The raw values are the bad row's own, as in the input bytes (each case's bad row is its last line).
    (raw,) = [json.loads(values) for values in quarantined["raw"]]
    line = content.splitlines()[-1].decode("utf-8", "surrogateescape")
    kept = raw["line"].rstrip("\n") if "line" in raw else ",".join(raw.values()) if name.endswith(".csv") else raw
    assert kept == (json.loads(line) if isinstance(kept, dict) else line)


@pytest.mark.parametrize("case", ACCEPTED)
def test_unusual_but_valid_rows_are_kept_verbatim(tmp_path, case):
    name, content, titles = ACCEPTED[case]
    report, products, quarantined = ingest_file(tmp_path, name, content)
    assert quarantined.empty and report["quarantined"] == 0
    assert {
        pid: title for pid, title in zip(products["product_id"], products["title"], strict=True) if pid in titles
    } == titles


@pytest.mark.parametrize("case", FATAL)
def test_unreadable_catalogs_stop_with_a_message_naming_the_file(tmp_path, case):
    name, content, message = FATAL[case]
    with pytest.raises(ingest.CatalogError) as error:
        ingest_file(tmp_path, name, content)
    assert str(tmp_path / name) in str(error.value) and message in str(error.value)


def test_parquet_with_wrong_types_and_schema(tmp_path):
    pd.DataFrame({"product_id": [1, 2], "title": ["Cap", "Hat"], "price": [9.5, None]}).to_parquet(
        tmp_path / "typed.parquet"
    )
    report, products, _ = ingest_file(tmp_path, "typed.parquet", (tmp_path / "typed.parquet").read_bytes())
    assert products["product_id"].tolist() == ["1", "2"]
    assert [json.loads(a) for a in products["attributes"]] == [{"price": "9.5"}, {}]
    pd.DataFrame({"sku": [1], "name": ["Cap"]}).to_parquet(tmp_path / "wrong.parquet")
    (tmp_path / "other").mkdir()
    with pytest.raises(ingest.CatalogError, match="required column 'product_id' not found"):
        ingest_file(tmp_path / "other", "wrong.parquet", (tmp_path / "wrong.parquet").read_bytes())


@pytest.mark.parametrize("suffix,delimiter", [(".csv", ","), (".tsv", "\t")])
def test_a_stray_quote_never_swallows_the_rows_after_it(tmp_path, suffix, delimiter):
    rows = [[str(i), f"Product {i} Desk Lamp", f"img/{i}.jpg"] for i in range(1, 51)]
    rows[9][1] = '"27 inch Monitor'  # opens a quoted field that a later stray quote closes
    rows[29][1] = 'Cable 6" long'  # a quote inside a field is text
    lines = [delimiter.join(["product_id", "title", "image"])] + [delimiter.join(row) for row in rows]
    report, products, quarantined = ingest_file(tmp_path, f"c{suffix}", ("\n".join(lines) + "\n").encode())
    assert report["input_rows"] == report["accepted"] + report["quarantined"] == 50
    assert quarantined["source_row"].tolist() == [10] and "quote opened on line 11" in quarantined["reason"][0]
    assert len(products) == 49 and products["title"].str.contains("Product").sum() == 48
    assert not products["title"].str.contains("\n|jpg").any()  # no product holds another row's text
    assert 'Cable 6" long' in set(products["title"])


def test_blank_lines_are_skipped_and_counted_not_rows(tmp_path):
    report, products, quarantined = ingest_file(tmp_path, "c.csv", csv_bytes(b"\n", b"2,Cap,\n", b"\n\n"))
    assert (report["input_rows"], report["accepted"], report["blank_lines"]) == (2, 2, 3) and quarantined.empty
    jsonl = b'{"product_id": "1", "title": "Cap"}\n\n   \n{"product_id": "2", "title": "Hat"}\n'
    report, _, quarantined = ingest_file(tmp_path, "c.jsonl", jsonl)
    assert (report["input_rows"], report["blank_lines"]) == (2, 2) and quarantined.empty


def test_columns_named_like_kgbuild_properties_empty_or_repeated_are_renamed_and_reported(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_bytes(b"sku,name,title,last_build,,colour,colour,n\xffm\n1,Red Cap,Imposter,2020,x,red,crimson,y\n")
    layout = Layout(tmp_path / "work")
    report = ingest.run(
        BuildContext.standalone(layout, Settings(clip_model="none", id_col="sku", title_col="name"), catalog)
    )
    assert report["renamed_columns"] == {
        "title": "catalog_title",
        "last_build": "catalog_last_build",
        "": "column_5",
        "colour": "colour_2",
        "n\udcffm": "n\\udcffm",
    }
    product = read_parquet(layout.products).iloc[0]
    assert product["title"] == "Red Cap"
    assert json.loads(product["attributes"]) == {
        "catalog_title": "Imposter",
        "catalog_last_build": "2020",
        "column_5": "x",
        "colour": "red",
        "colour_2": "crimson",
        "n\\udcffm": "y",
    }


def test_a_catalog_wider_than_max_columns_stops_naming_the_limit(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text(",".join(["product_id", "title", *(f"c{i}" for i in range(10))]) + "\n1,Cap" + ",x" * 10 + "\n")
    with pytest.raises(ingest.CatalogError, match="12 columns, more than max_columns=5"):
        ingest.run(
            BuildContext.standalone(Layout(tmp_path / "work"), Settings(clip_model="none", max_columns=5), catalog)
        )


def test_long_descriptions_are_cut_at_a_word_and_the_rows_reported(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text("product_id,title,description\n1,Cap,short\n2,Hat," + "word " * 10_000 + "\n")
    layout = Layout(tmp_path / "work")
    report = ingest.run(
        BuildContext.standalone(layout, Settings(clip_model="none", max_description_chars=1000), catalog)
    )
    assert report["truncated_descriptions"] == {"rows": 1, "first_rows": [2]}
    descriptions = read_parquet(layout.products)["description"].tolist()
    assert descriptions[0] == "short" and len(descriptions[1]) <= 1000 and descriptions[1].endswith("word")


def test_nested_values_are_stored_as_json(tmp_path):
    jsonl = b'{"product_id": "1", "title": "Cap", "sizes": ["S", "M"], "dims": {"w": 2}}\n'
    _, products, _ = ingest_file(tmp_path, "c.jsonl", jsonl)
    attributes = json.loads(products["attributes"][0])
    assert json.loads(attributes["sizes"]) == ["S", "M"] and json.loads(attributes["dims"]) == {"w": 2}


@pytest.mark.neo4j
def test_hostile_and_international_titles_reach_neo4j_verbatim(tmp_path, graph):
    titles = {
        name: next(iter(ACCEPTED[name][2].values())) for name in ("emoji", "right-to-left", "quotes", "Cypher-looking")
    }
    catalog = tmp_path / "c.csv"
    pd.DataFrame({"product_id": list(titles), "title": list(titles.values())}).to_csv(catalog, index=False)
    pipeline.run_build(catalog, tmp_path / "work", Settings(clip_model="none", min_support=1), graph)
    stored = {
        r["id"]: r["title"]
        for r in graph.driver.execute_query("MATCH (p:Product) RETURN p.product_id AS id, p.title AS title").records
    }
    assert stored == titles


@pytest.mark.neo4j
def test_catalog_columns_never_overwrite_the_properties_kgbuild_owns(tmp_path, graph):
    catalog = tmp_path / "c.csv"
    catalog.write_text(
        "sku,name,product_id,title,last_build\n1,Blue Denim Jacket,X,Imposter,1999\n2,Red Silk Saree,Y,Z,0\n"
    )
    settings = Settings(clip_model="none", id_col="sku", title_col="name", skip_images=True)
    pipeline.run_build(catalog, tmp_path / "work", settings, graph)
    version = json.loads(Layout(tmp_path / "work").build_file.read_text())["version"]
    (stored,) = graph.driver.execute_query("MATCH (p:Product {product_id: '1'}) RETURN properties(p) AS p").records
    assert stored["p"]["title"] == "Blue Denim Jacket" and stored["p"]["last_build"] == version
    assert (stored["p"]["catalog_product_id"], stored["p"]["catalog_title"], stored["p"]["catalog_last_build"]) == (
        "X",
        "Imposter",
        "1999",
    )


@requires_myntra()
@pytest.mark.shared_data
def test_myntra_with_five_percent_corrupted_rows_quarantines_exactly_those(tmp_path):
    import csv
    import io
    import random

    rows = list(csv.reader(MYNTRA.read_text().splitlines()))
    header, data = rows[0], rows[1:]
    id_at, title_at, image_at = header.index("id"), header.index("productDisplayName"), header.index("image")
    corrupted = sorted(random.Random(5).sample(range(1, len(data)), k=round(0.05 * len(data))))  # 1-based data rows
    kinds = [
        "empty id",
        "duplicate id",
        "empty title",
        "NUL",
        "not UTF-8",
        "extra field",
        "huge title",
        "escaping image",
    ]
    lines = []
    for number, row in enumerate(data, start=1):
        kind = kinds[corrupted.index(number) % len(kinds)] if number in corrupted else None
        if kind == "empty id":
            row[id_at] = ""
        elif kind == "duplicate id":
            row[id_at] = data[0][id_at]
        elif kind == "empty title":
            row[title_at] = ""
        elif kind == "NUL":
            row[title_at] += "\x00"
        elif kind == "extra field":
            row.append("surplus")
        elif kind == "huge title":
            row[title_at] = "Shirt " * 400
        elif kind == "escaping image":
            row[image_at] = "../../../" + row[image_at]
        row[image_at] = row[image_at] if kind == "escaping image" else str(MYNTRA.parent / row[image_at])
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(row)
        line = buffer.getvalue().encode()
        lines.append(line.replace(b"a", b"\xe9", 1) if kind == "not UTF-8" else line)
    catalog = tmp_path / "styles_corrupted.csv"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(header)
    catalog.write_bytes(buffer.getvalue().encode() + b"".join(lines))

    settings = Settings(
        id_col="id", title_col="productDisplayName", clip_model="none", image_roots=[str(MYNTRA.parent)]
    )
    pipeline.begin_build(catalog, tmp_path / "work", settings)
    for stage in ("ingest", "concepts", "hierarchy", "images", "snapshot"):
        report = pipeline.run_stage(stage, tmp_path / "work")
    layout = Layout(tmp_path / "work")
    quarantined = read_parquet(layout.quarantine("ingest"))
    assert sorted(quarantined["source_row"]) == corrupted
    assert read_parquet(layout.quarantine("images")).empty
    manifest = json.loads((layout.snapshots / report["version"] / "manifest.json").read_text())
    accounting = {key: manifest["stages"]["ingest"][key] for key in ("input_rows", "accepted", "quarantined")}
    assert accounting == {
        "input_rows": len(data),
        "accepted": len(data) - len(corrupted),
        "quarantined": len(corrupted),
    }
    assert manifest["rows"]["products"] == len(data) - len(corrupted)
