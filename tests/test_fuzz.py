"""Property-based tests: mutated catalogs in every format keep the ingest promise. Whatever the bytes, ingest either
stops with one CatalogError naming the file or accounts for every record exactly once (accepted or quarantined with
a reason); and a build of what it accepted loads exactly those products into Neo4j."""

import io
import json
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kgbuild import ingest, pipeline
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext
from kgbuild.workdir import Layout, read_parquet

FORMATS = [".csv", ".tsv", ".jsonl", ".parquet"]
FUZZ = settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: a failure is reported as found, at once
)

words = st.sampled_from(["Blue", "Denim", "Jacket", "Silk", "Saree", "Lamp", "Oak", "Table", "Cotton", "Shirt"])
text = st.one_of(
    st.lists(words, min_size=1, max_size=4).map(" ".join),
    st.text(max_size=30),
    st.sampled_from(['27" Monitor', '"Quoted', 'x"y"z', "a,b", "a\tb", "line\nbreak", "\r\n", "", " ", "\x00"]),
    st.integers(0, 5).map(lambda n: "long " * 10**n),
)
column_names = st.lists(
    st.sampled_from(["colour", "colour", "", "title", "last_build", "description", "brand", "x y", "sku"]),
    max_size=4,
)


@st.composite
def catalogs(draw, suffix: str) -> bytes:
    """A catalog with product_id/title columns, extra (possibly colliding) columns and hostile values; the text
    formats then get byte-level damage: stray quotes, delimiters, line breaks, BOMs, invalid UTF-8."""
    extra = draw(column_names)
    header = ["product_id", "title", *extra]
    rows = [
        [draw(st.one_of(st.integers(0, 30).map(str), text)), *(draw(text) for _ in header[1:])]
        for _ in range(draw(st.integers(1, 12)))
    ]
    if suffix == ".parquet":  # repeated column names and nested values are possible in Parquet too
        columns = [pa.array([row[i] for row in rows]) for i in range(len(header))]
        if draw(st.booleans()):
            header, columns = [*header, "sizes"], [*columns, pa.array([[{"eu": 40}]] * len(rows))]
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_arrays(columns, names=header), buffer)
        return buffer.getvalue()
    if suffix == ".jsonl":
        lines = [json.dumps(dict(zip(header, row, strict=True))) for row in rows]
        lines += draw(
            st.lists(
                st.sampled_from(
                    [
                        "",
                        "{",
                        "[1]",
                        '{"product_id": {"a": 1}, "title": ["x"]}',
                        '{"product_id": "z", "title": "' + "[" * 40 + '"}',
                        '{"product_id": "9", "title": "\\ud800"}',
                    ]
                ),
                max_size=3,
            )
        )
        data = "\n".join(lines).encode()
    else:
        delimiter = "," if suffix == ".csv" else "\t"
        buffer = io.StringIO()
        pd.DataFrame(rows, columns=header).to_csv(buffer, sep=delimiter, index=False)
        data = buffer.getvalue().encode("utf-8", errors="surrogatepass")
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data)))
        damage = draw(st.sampled_from([b'"', b",", b"\t", b"\n", b"\r\n", b"\r", b"\xff", b"\xef\xbb\xbf", b"\n\n"]))
        data = data[:at] + damage + data[at:]
    return data


def accounted(catalog: Path, workdir: Path) -> tuple[dict, pd.DataFrame] | None:
    """Ingests ``catalog``; None when it stops as a whole (with a CatalogError naming the file)."""
    try:
        report = ingest.run(BuildContext.standalone(Layout(workdir), Settings(clip_model="none"), catalog))
    except ingest.CatalogError as error:
        assert str(catalog) in str(error) or "(line)" in str(error)
        return None
    layout = Layout(workdir)
    products, quarantined = read_parquet(layout.products), read_parquet(layout.quarantine("ingest"))
    assert report["input_rows"] == report["accepted"] + report["quarantined"]
    assert (len(products), len(quarantined)) == (report["accepted"], report["quarantined"])
    rows = [*products["source_row"], *quarantined["source_row"]]
    assert sorted(rows) == list(range(1, report["input_rows"] + 1))  # each record once
    assert all(quarantined["reason"]) and all(products["title"]) and products["product_id"].is_unique
    return report, products


@pytest.mark.parametrize("suffix", FORMATS)
def test_every_record_is_accepted_or_quarantined_exactly_once(suffix):
    @FUZZ
    @given(data=catalogs(suffix))
    def check(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            catalog = Path(folder) / f"catalog{suffix}"
            catalog.write_bytes(data)
            accounted(catalog, Path(folder) / "work")

    check()


@pytest.mark.neo4j
@pytest.mark.parametrize("suffix", FORMATS)
def test_a_build_loads_exactly_the_accepted_products(suffix, graph):
    @settings(FUZZ, max_examples=4)
    @given(data=catalogs(suffix))
    def check(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            catalog = Path(folder) / f"catalog{suffix}"
            catalog.write_bytes(data)
            result = accounted(catalog, Path(folder) / "probe")
            if result is None:
                return
            _, products = result
            settings = Settings(
                clip_model="none", skip_images=True, catalog_id="fuzz"
            )  # each example replaces the last
            pipeline.run_build(catalog, Path(folder) / "work", settings, graph)
            stored = graph.driver.execute_query("MATCH (p:Product) RETURN p.product_id AS id").records
            assert sorted(r["id"] for r in stored) == sorted(products["product_id"])

    check()
