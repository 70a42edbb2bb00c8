"""Image-stage throughput against the raw forward pass of the same encoder on the same images, in one run.

The encoder is a randomly initialised open_clip ViT-B-32 (its cost equals the trained model's; no weights can be
downloaded here). Prints images/s of the image stage (read, hash, decode, preprocess, encode, cache, ground) and of
bare ``encode_image`` calls on tensors prepared beforehand, and their ratio; the colour step's share of the stage's
time, and the colour reader's images/s on one core in a text-evidence build. With ``--eval``, also builds concepts
first and reports whether every category concept with ≥ 3 products got ≥ 3 images.

    .venv/bin/python bench/image_throughput.py [--catalog CSV --id-col id --title-col productDisplayName] [--limit N]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from kgbuild import evaluate, images, models, pipeline
from kgbuild.demo import generate_catalog
from kgbuild.settings import Settings
from kgbuild.workdir import Layout

MYNTRA = Path(__file__).resolve().parents[2] / "shared" / "data" / "myntra_sample" / "styles.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--catalog", type=Path, default=MYNTRA if MYNTRA.is_file() else None)
    parser.add_argument("--id-col", default="id")
    parser.add_argument("--title-col", default="productDisplayName")
    parser.add_argument("--limit", type=int, default=512, help="products to take (0 = all)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--eval", action="store_true", help="also check images per category concept")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="kgbuild-bench-"))
    try:
        catalog, columns = _catalog(args, scratch)
        weights = scratch / "vit-b-32-random.pt"
        import open_clip
        import torch

        torch.manual_seed(0)
        torch.save(open_clip.create_model("ViT-B-32").state_dict(), weights)
        settings = Settings(
            **columns,
            clip_model="ViT-B-32",
            clip_pretrained=str(weights),
            device=args.device,
            clip_batch_size=args.batch_size,
            clip_workers=args.workers,
        )
        workdir = scratch / "work"
        pipeline.begin_build(catalog, workdir, settings)
        for stage in ("ingest", "concepts", "hierarchy"):
            pipeline.run_stage(stage, workdir)
        _warm_up(settings)
        started = time.perf_counter()
        report = pipeline.run_stage("images", workdir)
        stage_seconds = time.perf_counter() - started
        raw_per_second = _raw_forward(workdir, settings)
        phases = report["phase_seconds"]
        pipeline_per_second = report["encoded_images"] / phases["images"]
        print(
            f"images: {report['accepted']} ({report['unique_images']} distinct, {report['encoded_images']} encoded); "
            f"prompts encoded for {report['concepts_with_images']} concepts x {len(settings.prompts)} templates"
        )
        whole_per_second = report["accepted"] / stage_seconds
        print(f"image stage, whole  : {whole_per_second:8.1f} images/s  ({stage_seconds:.1f} s: {phases})")
        print(
            f"image stage, images : {pipeline_per_second:8.1f} images/s  "
            "(read, hash, decode, preprocess, encode, cache)"
        )
        print(f"raw forward         : {raw_per_second:8.1f} images/s  (encode_image on prepared tensors)")
        print(f"ratio image stage (whole) / raw forward: {report['accepted'] / stage_seconds / raw_per_second:.3f}")
        print(f"ratio images phase / raw forward       : {pipeline_per_second / raw_per_second:.3f}")
        colour = phases["colour_reading"] + phases.get("colour_links", 0)
        print(f"colour step share of the image stage   : {colour / stage_seconds:.3f}  ({colour:.2f} s)")
        _text_evidence_colours(catalog, scratch, columns)
        if args.eval:
            print("images per concept:", evaluate.image_coverage(Layout(workdir)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _text_evidence_colours(catalog: Path, scratch: Path, columns: dict[str, Any]) -> None:
    """The colour reader's own rate in a text-evidence build (one process): images whose colours it read per
    second of reading."""
    workdir = scratch / "text-evidence"
    pipeline.begin_build(catalog, workdir, Settings(**columns, clip_model="none", clip_workers=0))
    for stage in ("ingest", "concepts", "hierarchy"):
        pipeline.run_stage(stage, workdir)
    report = pipeline.run_stage("images", workdir)
    seconds = report["phase_seconds"]["colour_reading"]
    print(f"colour reading, text-evidence mode     : {report['colours_read'] / seconds:8.1f} images/s on one core")


def _catalog(args: argparse.Namespace, scratch: Path) -> tuple[Path, dict[str, str]]:
    if args.catalog is None:
        print("../shared data absent: using the generated demo catalog")
        return generate_catalog(scratch / "demo", products=args.limit or 240), {}
    frame = pd.read_csv(args.catalog, dtype=str, keep_default_na=False)
    if args.limit:
        frame = frame.iloc[: args.limit]
    frame["image"] = [str((args.catalog.parent / p).resolve()) for p in frame["image"]]
    subset = scratch / "catalog.csv"
    frame.to_csv(subset, index=False)
    return subset, {"id_col": args.id_col, "title_col": args.title_col, "image_roots": [str(args.catalog.parent)]}


def _warm_up(settings: Settings) -> None:
    """One forward pass before timing anything, so neither measurement pays for thread-pool start-up."""
    import torch

    encoder = models.clip_encoder(settings)
    size = encoder.preprocess.transforms[0].size
    side = size if isinstance(size, int) else size[0]
    with torch.inference_mode():
        encoder.model.encode_image(torch.zeros(settings.clip_batch_size, 3, side, side, device=encoder.device))


def _raw_forward(workdir: Path, settings: Settings) -> float:
    """encode_image alone on the same distinct images, preprocessed beforehand, in the same batch size."""
    import torch

    encoder = models.clip_encoder(settings)
    table = pd.read_parquet(Layout(workdir).images).drop_duplicates("sha256")
    pixels = [encoder.preprocess(images.read_image(uri)[1]) for uri in table["uri"]]
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(pixels), settings.clip_batch_size):
            encoder.model.encode_image(torch.stack(pixels[start : start + settings.clip_batch_size]).to(encoder.device))
    return len(table) / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
