"""Per-text analyses: kept across builds by content, parsed once per distinct text, the same from worker shards."""

import multiprocessing
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest

from kgbuild import attribute_rules, concepts, descriptions, models, text_analysis
from kgbuild.settings import Settings
from kgbuild.text_analysis import DESCRIPTION, TITLE
from kgbuild.words import words_of

TITLES = [f"Roadster Men {colour} Slim Fit Shirt {n}" for n in range(60) for colour in ("Navy", "Olive")]
DESCRIPTIONS = ["A slim fit shirt in cotton with a button-down collar. Machine wash cold.", "Soft cotton tee."]


@pytest.fixture
def counted(monkeypatch):
    """The texts each parse_shard call parsed, as the analysis asked for them."""
    calls = []
    parse_shard = text_analysis.parse_shard

    def counting(role, texts, settings):
        calls.append((role, list(texts)))
        return parse_shard(role, texts, settings)

    monkeypatch.setattr(text_analysis, "parse_shard", counting)
    return calls


def test_titles_are_parsed_once_then_read_from_the_cache(tmp_path, counted):
    settings = Settings(clip_model="none", parse_workers=1)
    texts = TITLES + TITLES[:10]  # ten repeated titles
    first = text_analysis.analyze({TITLE: texts}, settings, tmp_path).by_role[TITLE]
    assert [len(texts) for _, texts in counted] == [len(TITLES)]  # each distinct title once
    nlp = models.spacy_pipeline(settings)  # the oracle: the same words read straight from spaCy
    assert first == [words_of(nlp(text.lower()), text) for text in texts]
    counted.clear()
    again = text_analysis.analyze({TITLE: [*texts, "Kalini Women Red Kurta"]}, settings, tmp_path).by_role[TITLE]
    assert counted == [(TITLE, ["Kalini Women Red Kurta"])]  # only the new title
    assert again[: len(texts)] == first


def test_descriptions_round_trip_through_the_cache(tmp_path, counted):
    settings = Settings(clip_model="none", parse_workers=1)
    first = text_analysis.analyze({DESCRIPTION: DESCRIPTIONS}, settings, tmp_path).by_role[DESCRIPTION]
    counted.clear()
    assert text_analysis.analyze({DESCRIPTION: DESCRIPTIONS}, settings, tmp_path).by_role[DESCRIPTION] == first
    assert counted == []  # nothing parsed
    parser = models.spacy_parser(settings)  # the oracle: the sentences read straight from spaCy's parse
    assert first == [descriptions.analyze(parser(text)) for text in DESCRIPTIONS]
    assert " ".join(w.surface for w in first[0][0].types[0]) == "slim fit shirt"


def test_a_new_spacy_version_is_a_new_cache(tmp_path, counted, monkeypatch):
    settings = Settings(clip_model="none", parse_workers=1)
    text_analysis.analyze({TITLE: TITLES[:5]}, settings, tmp_path)
    monkeypatch.setattr(models, "spacy_model_version", lambda settings: "99.0.0")
    counted.clear()
    text_analysis.analyze({TITLE: TITLES[:5]}, settings, tmp_path)
    assert counted == [(TITLE, TITLES[:5])]


def test_titles_and_descriptions_are_parsed_in_one_pool_of_even_shards(tmp_path, monkeypatch):
    pools = []

    class Pool(ProcessPoolExecutor):
        def __init__(self, workers, **options):
            pools.append(workers)
            assert options["initializer"] is models.parse_worker_without_torch
            super().__init__(workers, **options)

    monkeypatch.setattr(text_analysis, "ProcessPoolExecutor", Pool)
    texts = {TITLE: TITLES + TITLES[:7], DESCRIPTION: DESCRIPTIONS * 3}
    alone = text_analysis.analyze(texts, Settings(clip_model="none", parse_workers=1), tmp_path / "one")
    assert pools == []
    sharded = Settings(clip_model="none", parse_workers=2, parse_shard_texts=100)  # 120 titles and 2 descriptions
    assert text_analysis.analyze(texts, sharded, tmp_path / "two").by_role == alone.by_role
    assert pools == [2]  # one pool for both roles
    # the shards: as many as make the two workers' shares even, of equal size
    assert [len(shard) for shard in text_analysis._shards(TITLES, 100, 2)] == [60, 60]
    assert [len(shard) for shard in text_analysis._shards(TITLES[:7], 3, 2)] == [1, 2, 2, 2]
    assert [len(shard) for shard in text_analysis._shards(TITLES[:7], 3)] == [2, 2, 3]
    assert text_analysis._shards(TITLES[:1], 3, 2) == [TITLES[:1]]


def test_a_parse_worker_parses_without_importing_torch():
    """thinc imports torch whenever it is installed, about 0.7 GB in each parse worker that never uses it."""
    script = (
        "import sys; from kgbuild import models, text_analysis; from kgbuild.settings import Settings; "
        "models.parse_worker_without_torch(); "
        "print(text_analysis.parse_shard('title', ['Navy Slim Fit Shirt'], Settings(clip_model='none'))[0]); "
        "print(sys.modules['torch'])"
    )
    parsed, torch = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.splitlines()[-2:]
    assert torch == "None"
    assert parsed == text_analysis.parse_shard(TITLE, ["Navy Slim Fit Shirt"], Settings(clip_model="none"))[0]


def test_shards_parsed_by_workers_at_once_leave_analyze_nothing_to_parse(tmp_path, counted):
    settings = Settings(clip_model="none", parse_workers=1, parse_shard_texts=100)
    products = pd.DataFrame(
        {
            "product_id": [f"p{n}" for n in range(len(TITLES))],
            "title": TITLES,
            "description": [DESCRIPTIONS[n % 2] if n % 3 == 0 else None for n in range(len(TITLES))],
        }
    )
    cache, folder = tmp_path / "cache", tmp_path / "shards"
    texts = concepts.texts_to_analyze(products, settings)
    shards = text_analysis.plan_shards(texts, settings, cache, folder)
    assert [shard.name.split("-")[0] for shard in shards] == [TITLE, TITLE, DESCRIPTION]  # 2 × 60 titles, 2 texts
    assert text_analysis.plan_shards(texts, settings, cache, folder) == shards  # the same files again
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:  # as Airflow workers would
        assert list(pool.map(text_analysis.parse_shard_file, shards, [settings] * 3, [cache] * 3)) == [60, 60, 2]
    assert text_analysis.parse_shard_file(shards[0], settings, cache) == 0  # its part is there already
    assert len(list(cache.glob("*.part-*.parquet"))) == 3
    sharded = text_analysis.analyze(texts, settings, cache)
    assert counted == [] and sharded.parsed == {TITLE: 0, DESCRIPTION: 0}  # every text was parsed by a shard
    assert not list(cache.glob("*.part-*.parquet"))  # folded into the main files
    alone = text_analysis.analyze(texts, settings, tmp_path / "alone")
    assert sharded.by_role == alone.by_role and alone.parsed == {TITLE: 120, DESCRIPTION: 2}
    assert text_analysis.plan_shards(texts, settings, cache, folder) == []


def test_irregular_plurals_are_the_pipelines_noun_exceptions():
    from spacy.strings import hash_string

    assert hash_string("noun") == models.NOUN_TABLE
    plurals = models.irregular_plurals()
    assert (plurals["mice"], plurals["knives"], plurals["tomatoes"]) == ("mouse", "knife", "tomato")
    assert "data" not in plurals and "media" not in plurals  # read as written (:func:`words.canonical`)
    nlp = models.spacy_pipeline(Settings(clip_model="none"))
    read = {w.surface: w.canonical for w in words_of(nlp("Mice, knives, scarves and tomatoes")) if w.noun}
    assert all(plurals[plural] == singular for plural, singular in read.items())


def test_plural_nouns_read_as_their_singular():
    nlp = models.spacy_parser(Settings(clip_model="none"))
    doc = nlp("Boots with rubber soles in boxes with glasses, dresses, potatoes and canoes.")
    read = {word.surface: word.canonical for word in words_of(doc) if word.noun}
    assert read["soles"] == "sole"  # not the lemmatizer's "sol": "-es" is a plural only after a hissing sound or "o"
    assert (read["boxes"], read["dresses"], read["potatoes"], read["canoes"]) == ("box", "dress", "potato", "canoe")
    # A spelling variant's plural reads as the variant's singular, a plural-only noun as itself.
    doc = nlp("Ordinary tees and saris, sunglasses and pyjamas.")
    read = {word.surface: word.canonical for word in words_of(doc) if word.noun}
    assert (read["tees"], read["saris"], read["sunglasses"], read["pyjamas"]) == (
        "t-shirt",
        "saree",
        "sunglasses",
        "pajamas",
    )


@pytest.mark.parametrize("pipeline", [models.spacy_pipeline, models.spacy_parser])
def test_attribute_rules_tag_as_spacys_attribute_ruler(pipeline):
    nlp = pipeline(Settings())
    assert attribute_rules.ATTRIBUTE_RULES in nlp.pipe_names and attribute_rules.RULER not in nlp.pipe_names
    texts = [
        *(title.lower() for title in TITLES[:20]),
        "roadster men's navy blue t-shirt with ribbed cuffs, pack of 2",
        "I don't know, y'all gonna love it: it's nothin' but gotta have. Let's go, c'mon!",
        "There is a bag  with two  spaces.\n\nIt has a lid; you can't lose it, and if it breaks, we replace it.",
        "This book display lets your child collect their books. Ain't that so? Whether or not, it helps.",
        *DESCRIPTIONS,
    ]

    def read(docs):
        return [[(t.text, t.pos_, t.tag_, str(t.morph), t.lemma_) for t in doc] for doc in docs]

    ours = read(nlp.pipe(texts))
    nlp.enable_pipe(attribute_rules.RULER)
    nlp.disable_pipe(attribute_rules.ATTRIBUTE_RULES)
    try:
        spacys = read(nlp.pipe(texts))
    finally:
        nlp.enable_pipe(attribute_rules.ATTRIBUTE_RULES)
        nlp.disable_pipe(attribute_rules.RULER)
    assert ours == spacys
    assert {pos for doc in ours for _, pos, *_ in doc} >= {"NOUN", "VERB", "AUX", "PART", "PRON", "SCONJ", "SPACE"}
