import hashlib
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import dress_concept, jpeg
from PIL import Image

from kgbuild import images, ingest, models
from kgbuild.neo4j_local import free_port
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext
from kgbuild.workdir import Layout, read_parquet


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "image file not found"),
        (b"", "image file is empty (0 bytes)"),
        (b"just some text", "not an image (unrecognised format)"),
        (jpeg()[:300], "image cannot be decoded (truncated or corrupt)"),
    ],
)
def test_read_image_rejects_bad_images_with_reason(tmp_path, content, reason):
    path = tmp_path / "x.jpg"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError) as error:
        images.read_image(str(path))
    assert str(error.value).startswith(reason)


def test_unreachable_image_url_is_a_reason_not_a_crash():

    with pytest.raises(ValueError, match="image URL unreachable or not found"):
        images.read_image(
            f"http://127.0.0.1:{free_port()}/x.jpg", images.ImagePolicy(Settings(allow_private_urls=True))
        )


def test_read_image_identifies_identical_bytes(tmp_path):
    files = {"a.jpg": jpeg(), "b.jpg": jpeg(), "c.jpg": jpeg((20, 30, 200))}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    found = {name: images.read_image(str(tmp_path / name))[0] for name in files}
    assert found == {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    assert found["a.jpg"] == found["b.jpg"] != found["c.jpg"]


def test_mmr_prefers_a_diverse_second_pick():
    embeddings = np.array([[1.0, 0.0], [0.999, 0.045], [0.6, 0.8]])
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    relevance = np.array([0.9, 0.89, 0.7])
    assert images.mmr(relevance, embeddings, keep=2, diversity=0.8) == [0, 2]
    assert images.mmr(relevance, embeddings, keep=2, diversity=0.0) == [0, 1]
    assert images.mmr(relevance, embeddings, keep=5, diversity=0.8) == [0, 2, 1]
    assert images.mmr(relevance, embeddings, keep=5, diversity=0.8, duplicate=0.99) == [0, 2]  # 1 is a near-copy of 0


def stage_inputs(tmp_path, settings):
    """A built work directory up to the hierarchy stage for 5 products: 2 with identical images, 1 missing,
    1 not an image, 1 unique."""
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(jpeg((200, 30, 40)))
    (folder / "b.jpg").write_bytes(jpeg((200, 30, 40)))
    (folder / "c.jpg").write_bytes(jpeg((20, 30, 200)))
    (folder / "e.jpg").write_text("not an image")
    catalog = folder / "catalog.csv"
    catalog.write_text(
        "product_id,title,image\n"
        "1,Red Dress,a.jpg\n2,Long Red Dress,b.jpg\n3,Blue Maxi Dress,c.jpg\n"
        "4,Black Dress,missing.jpg\n5,Green Dress,e.jpg\n"
    )
    layout = Layout(tmp_path / "work")
    ingest.run(BuildContext.standalone(layout, settings, catalog))
    products = read_parquet(layout.products)
    dress = dress_concept(layout, products["product_id"])
    return layout, dress


def test_text_evidence_grounding_quarantines_bad_images_and_dedupes(tmp_path):
    settings = Settings(clip_model="none")
    layout, dress = stage_inputs(tmp_path, settings)
    report = images.run(BuildContext.standalone(layout, settings, tmp_path / "catalog" / "catalog.csv"))
    assert report["input_rows"] == 5 and report["accepted"] == 3 and report["quarantined"] == 2
    quarantined = read_parquet(layout.quarantine("images")).set_index("product_id")
    assert quarantined.loc["4", "reason"] == "image file not found"
    assert quarantined.loc["5", "reason"] == "not an image (unrecognised format)"
    assert quarantined.loc["4", "field"] == "image" and quarantined.loc["4", "source_row"] == 4
    chosen = read_parquet(layout.concept_images)
    chosen = chosen[chosen["concept_id"] == dress]
    # Products 1 and 2 share bytes: one image only; equally typical products in id order.
    assert chosen["product_id"].tolist() == ["1", "3"]
    assert chosen["rank"].tolist() == [1, 2]
    assert chosen["score"].tolist() == [pytest.approx(1.0), pytest.approx(1.0)]
    assert set(chosen["model"]) == {images.TEXT_EVIDENCE_MODEL}


def dress_catalog(tmp_path, settings, count):
    """A work directory up to the hierarchy stage: ``count`` dresses, each with its own image of random pixels."""
    folder = tmp_path / "catalog"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    ids = [str(i) for i in range(count)]
    catalog = folder / "catalog.csv"
    pd.DataFrame({"product_id": ids, "title": "Dress", "image": [f"{i}.png" for i in ids]}).to_csv(catalog, index=False)
    layout = Layout(tmp_path / "work")
    ingest.run(BuildContext.standalone(layout, settings, catalog))
    dress_concept(layout, ids)
    return layout, folder


def test_clip_grounding_keeps_the_images_most_similar_to_the_prompts(tmp_path, tiny_clip):
    """Six candidates, two kept. Pure relevance (no diversity term, no near-duplicate skipping): the two whose cosine
    with the mean prompt embedding, computed here with open_clip directly, is highest."""
    import open_clip
    import torch

    settings = Settings(
        **tiny_clip, images_per_concept=2, top_k=20, mmr_diversity=0.0, near_duplicate=1.0, skip_visual_attributes=True
    )  # the noise images' colours would be concepts of their own
    layout, folder = dress_catalog(tmp_path, settings, count=6)
    images.run(BuildContext.standalone(layout, settings, tmp_path / "catalog" / "catalog.csv"))

    name = tiny_clip["clip_model"]
    model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=tiny_clip["clip_pretrained"])

    def unit(vectors):
        return torch.nn.functional.normalize(vectors, dim=-1)

    with torch.no_grad():
        pixels = torch.stack([preprocess(Image.open(folder / f"{i}.png").convert("RGB")) for i in range(6)])
        pictures = unit(model.eval().encode_image(pixels))
        texts = open_clip.get_tokenizer(name)([prompt.format(concept="dress") for prompt in settings.prompts])
        prompts = unit(model.encode_text(texts))
        cosine = dict(enumerate((pictures @ unit(prompts.mean(dim=0))).tolist()))
    best = sorted(cosine, key=cosine.get, reverse=True)
    assert cosine[best[1]] - cosine[best[2]] > 1e-4, "the inputs must make the choice clear-cut"

    chosen = read_parquet(layout.concept_images)
    assert chosen["product_id"].tolist() == [str(i) for i in best[:2]]
    assert chosen["rank"].tolist() == [1, 2]
    assert chosen["score"].tolist() == pytest.approx([cosine[i] for i in best[:2]], abs=1e-5)
    assert set(chosen["model"]) == {"kgbuild-tiny/tiny.pt"}


def test_clip_embeddings_are_cached_across_builds(tmp_path, tiny_clip, monkeypatch):
    """Counted at the encoder: the first run encodes each distinct image and each prompt once, the second nothing."""
    settings = Settings(**tiny_clip)
    layout, _ = stage_inputs(tmp_path, settings)
    encoded = {"images": 0, "prompts": 0}
    encode_pixels, encode_texts = images._encode_pixels, images._encode_texts

    def count(kind, encode):
        def counted(inputs, encoder):
            encoded[kind] += len(inputs)
            return encode(inputs, encoder)

        return counted

    monkeypatch.setattr(images, "_encode_pixels", count("images", encode_pixels))
    monkeypatch.setattr(images, "_encode_texts", count("prompts", encode_texts))
    images.run(BuildContext.standalone(layout, settings, tmp_path / "catalog" / "catalog.csv"))
    readable = ["a.jpg", "b.jpg", "c.jpg"]  # stage_inputs' image files; a and b hold the same bytes
    distinct = {hashlib.sha256((tmp_path / "catalog" / name).read_bytes()).digest() for name in readable}
    names = read_parquet(layout.concepts)["name"].tolist()
    assert names == ["dress", "red"]  # red: the colour of products 1 and 2, read from their (identical) images
    assert encoded == {"images": len(distinct), "prompts": len(settings.prompts) * len(names)}
    images.run(BuildContext.standalone(layout, settings, tmp_path / "catalog" / "catalog.csv"))
    assert encoded == {"images": len(distinct), "prompts": len(settings.prompts) * len(names)}


def test_prompt_encoding_on_trimmed_tokens_equals_full_context_encode_text(tiny_clip):
    import torch

    encoder = models.clip_encoder(Settings(**tiny_clip))
    prompts = ["a photo of watch", "a photo of short sleeve t-shirt in white", "a photo of women black leather handbag"]
    with torch.inference_mode():
        full = encoder.model.encode_text(encoder.tokenizer(prompts)).numpy()
    full /= np.linalg.norm(full, axis=1, keepdims=True)
    np.testing.assert_allclose(images._encode_texts(prompts, encoder), full, atol=1e-5)


def test_unloadable_clip_weights_name_the_setting(tmp_path):
    with pytest.raises(models.ModelUnavailable) as error:
        models.preflight(Settings(clip_model="ViT-B-32", clip_pretrained=str(tmp_path / "absent.pt")))
    message = str(error.value)
    assert "KGBUILD_CLIP_MODEL" in message and "--clip-pretrained" in message and "--clip-model none" in message


def test_preflight_loads_models_once_while_their_identity_holds(tmp_path, tiny_clip, monkeypatch):
    """A build proves its models loadable once; a later build with the same models, library versions and weights
    file takes that from the cache folder and loads nothing; a changed weights file, or no cache folder, loads."""
    weights = tmp_path / "weights.pt"
    weights.write_bytes(Path(tiny_clip["clip_pretrained"]).read_bytes())
    settings = Settings(**{**tiny_clip, "clip_pretrained": str(weights)})
    first = models.preflight(settings, tmp_path / "cache")
    assert first["embedding_dimensions"] == 384 and first["clip_weights_sha256"] == models.file_sha256(weights)
    calls: Counter = Counter()

    def counting(name, load):
        def counted(*args, **kwargs):
            calls[name] += 1
            return load(*args, **kwargs)

        return counted

    for loader in ("_load_spacy", "_load_sentence_encoder", "_load_clip"):
        monkeypatch.setattr(models, loader, counting(loader, getattr(models, loader)))
    assert models.preflight(settings, tmp_path / "cache") == first and not calls
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert models.preflight(settings, tmp_path / "cache") == first and calls["_load_clip"] == 1
    assert models.preflight(settings, tmp_path / "cache") == first and calls["_load_clip"] == 1
    assert models.preflight(settings) == first and calls == {
        "_load_spacy": 4,
        "_load_sentence_encoder": 2,
        "_load_clip": 2,
    }


def test_rebuilds_encode_only_new_images(tmp_path, tiny_clip, demo_catalog):
    """A second build of the same catalog encodes nothing; adding 30 products with new images encodes exactly 30."""
    from kgbuild import pipeline

    frame = pd.read_csv(demo_catalog, dtype=str)
    frame["image"] = [str(demo_catalog.parent / p) for p in frame["image"]]
    base = frame.iloc[:200]
    extra_folder = tmp_path / "extra"
    extra_folder.mkdir()
    extra = []
    for i in range(30):
        path = extra_folder / f"n{i}.jpg"
        path.write_bytes(jpeg((i * 8, 255 - i * 8, (i * 37) % 256)))
        extra.append({**base.iloc[i].to_dict(), "product_id": f"N{i:03d}", "image": str(path)})
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    base.to_csv(first, index=False)
    pd.concat([base, pd.DataFrame(extra)]).to_csv(second, index=False)
    settings = Settings(**tiny_clip, image_roots=[str(demo_catalog.parent)])
    workdir = tmp_path / "work"

    def encoded(catalog):
        pipeline.begin_build(catalog, workdir, settings)
        for stage in ("ingest", "concepts", "hierarchy", "images"):
            report = pipeline.run_stage(stage, workdir)
        pipeline.run_stage("snapshot", workdir)  # finishes the build, so the next one starts anew
        return report

    unique = base["image"].map(lambda p: images.read_image(p)[0]).nunique()
    assert encoded(first)["encoded_images"] == unique
    again = encoded(first)
    assert (again["encoded_images"], again["cached_images"]) == (0, unique)
    assert encoded(second)["encoded_images"] == 30


def test_every_bad_image_kind_is_quarantined_and_the_rest_grounded(tmp_path):

    folder = tmp_path / "catalog"
    folder.mkdir()
    good = {f"g{i}": folder / f"g{i}.jpg" for i in range(4)}
    for i, path in enumerate(good.values()):
        path.write_bytes(jpeg((40 * i, 200 - 40 * i, 90)))
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "cut.jpg").write_bytes(jpeg()[:300])
    (folder / "text.jpg").write_text("this is a text file named .jpg")
    bad = {
        "missing": ("absent.jpg", "image file not found"),
        "empty": ("empty.jpg", "image file is empty (0 bytes)"),
        "truncated": ("cut.jpg", "image cannot be decoded (truncated or corrupt)"),
        "text": ("text.jpg", "not an image (unrecognised format)"),
        "url": (f"http://127.0.0.1:{free_port()}/gone.jpg", "image URL unreachable or not found"),
    }
    rows = [(pid, f"Blue Cotton Dress {pid}", path.name) for pid, path in good.items()]
    rows += [(pid, f"Blue Cotton Dress {pid}", reference) for pid, (reference, _) in bad.items()]
    catalog = folder / "catalog.csv"
    pd.DataFrame(rows, columns=["product_id", "title", "image"]).to_csv(catalog, index=False)
    settings = Settings(clip_model="none", allow_private_urls=True)  # the unreachable URL is on loopback
    layout = Layout(tmp_path / "work")
    ingest.run(BuildContext.standalone(layout, settings, catalog))
    products = read_parquet(layout.products)
    dress = dress_concept(layout, products["product_id"])

    report = images.run(BuildContext.standalone(layout, settings, tmp_path / "catalog" / "catalog.csv"))
    assert (report["input_rows"], report["accepted"], report["quarantined"]) == (9, 4, 5)
    reasons = read_parquet(layout.quarantine("images")).set_index("product_id")["reason"]
    assert {pid: reasons[pid].startswith(reason) for pid, (_, reason) in bad.items()} == dict.fromkeys(bad, True)
    chosen = read_parquet(layout.concept_images)
    chosen = chosen[chosen["concept_id"] == dress]  # colour concepts have theirs too
    assert sorted(chosen["product_id"]) == sorted(good)
