"""Dominant colour names of a product image, read without model weights.

Method, for one image (CIELAB, D65, via :func:`skimage.color.rgb2lab`):

1. **Downscale** to :data:`SIDE` pixels on the long side (PIL ``resize`` with ``reducing_gap``: box-reduce, then
   bilinear). For a JPEG not yet decoded, ``image.draft("RGB", (2 * SIDE, 2 * SIDE))`` makes decoding cheap too.
2. **Background**: the median Lab colour of the border pixels. Background pixels are within
   :data:`BACKGROUND_DELTA_E` (CIEDE2000) of it *and* 4-connected to the image edge (:func:`scipy.ndimage.label`,
   on the near-background mask eroded by one pixel and dilated back, so a one-pixel gap in a blurred outline does not
   connect). The interior of a white shirt on white, enclosed by its outline or shading, thus stays foreground. A
   foreground share outside :data:`FOREGROUND_BOUNDS` is implausible and the whole image is read instead.
3. **Skin**: foreground pixels in the skin-tone box of LCh (:data:`SKIN_L`, :data:`SKIN_C`, :data:`SKIN_H`) are left
   out, but only while they are at most :data:`SKIN_MAX_SHARE` of the foreground and the rest is still a plausible
   foreground, so a beige or tan product, all of it skin-like, is read as itself.
4. **Clusters**: weighted k-means in Lab (numpy; k-means++ seeding from a fixed seed, so deterministic). Pixels are
   weighted by a Gaussian centre prior (:data:`CENTRE_SIGMA`, in half-widths): catalog photos centre the product.
5. **Naming**: photographed colours span less lightness and are less saturated than the named reference colours, so
   a cluster's lightness is stretched from :data:`LIGHTNESS_RANGE` to 0-100 and its chroma ``C`` becomes
   ``CHROMA_CEILING * tanh(CHROMA_GAIN * C / CHROMA_CEILING)`` (muted colours gain most). A cluster is *achromatic*
   when its chroma is below ``ACHROMATIC_CHROMA + ACHROMATIC_SLOPE * L`` (dark colours show less chroma). It takes
   the nearest palette entry by CIEDE2000 (:func:`skimage.color.deltaE_ciede2000`; an entry's distance is that of
   its nearest reference colour), where entries of the other class (achromatic: black, grey, white; or chromatic)
   pay :data:`CLASS_PENALTY`, and lightness is weighted down (``kL`` = :data:`LIGHTNESS_WEIGHT`) for chromatic
   clusters, since shading changes lightness more than hue. Clusters given the same name are merged.
6. **Readings**: at most ``max_colours``, largest share (of the weighted clustered pixels) first; a reading after the
   first needs a share of at least :data:`MIN_SHARE`. ``margin`` is the distance gap between the best and the
   second-best entry (capped at :data:`MAX_MARGIN`), and ``confidence = share * (1 - exp(-margin / MARGIN_SCALE))``:
   high for a large, unambiguously named cluster.

:data:`DEFAULT_PALETTE` holds generic catalog colour names, each with aliases ("navy blue" -> navy, "gray" -> grey,
"off white" -> cream, "burgundy" -> maroon, ...) and reference colours taken by name from matplotlib's CSS4 and
xkcd tables. Silver and charcoal are not in it: photographed, they are not told apart from white/grey and black/grey
by colour alone ("charcoal" is an alias of grey). :meth:`Palette.from_names` builds a custom palette.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import matplotlib.colors as mcolors
import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.color import deltaE_ciede2000, lab2lch, lch2lab, rgb2lab

SIDE = 64
BACKGROUND_DELTA_E = 5.0
FOREGROUND_BOUNDS = (0.05, 0.95)
SKIN_L = (30.0, 90.0)
SKIN_C = (12.0, 40.0)
SKIN_H = (40.0, 80.0)  # degrees
SKIN_MAX_SHARE = 0.75
CENTRE_SIGMA = 0.6
KMEANS_ITERATIONS = 15
KMEANS_TOLERANCE = 0.5  # CIELAB units
LIGHTNESS_RANGE = (10.0, 90.0)
CHROMA_GAIN = 2.0
CHROMA_CEILING = 100.0
ACHROMATIC_CHROMA = 4.0
ACHROMATIC_SLOPE = 0.09
NEUTRAL_REFERENCE_CHROMA = 5.0  # an entry whose reference colours are all below this chroma is achromatic
LIGHTNESS_WEIGHT = 2.0
CLASS_PENALTY = 15.0  # added to the distance of an entry of the other class (achromatic or not)
MIN_SHARE = 0.15
MAX_MARGIN = 50.0
MARGIN_SCALE = 5.0


@dataclass(frozen=True)
class PaletteEntry:
    """One colour name with its aliases and reference colours (sRGB hex)."""

    name: str
    aliases: tuple[str, ...]
    references: tuple[str, ...]


@dataclass(frozen=True)
class ColourReading:
    """One dominant colour: palette name, share of the (centre-weighted, skin-free) foreground, naming margin
    (CIEDE2000 gap between the best and the second-best palette entry) and confidence in [0, 1]."""

    name: str
    share: float
    margin: float
    confidence: float


def entry(name: str, aliases: Iterable[str] = (), references: Iterable[str] = ()) -> PaletteEntry:
    """A palette entry. References are matplotlib colour names ("navy", "xkcd:navy blue") or hex; without any, the
    name itself is looked up (CSS4, then xkcd)."""
    refs = tuple(references) or ((name,) if mcolors.is_color_like(name) else (f"xkcd:{name}",))
    return PaletteEntry(_term(name), tuple(_term(a) for a in aliases), tuple(mcolors.to_hex(r) for r in refs))


def _term(text: str) -> str:
    """A colour term in canonical form: lowercase, single spaces, no hyphens ("Off-White" -> "off white")."""
    return " ".join(text.lower().replace("-", " ").split())


@dataclass(frozen=True)
class Palette:
    """Colour names with aliases and reference colours; names and aliases are unique across the palette."""

    entries: tuple[PaletteEntry, ...]

    def __post_init__(self) -> None:
        if not self.entries:
            raise ValueError("a palette needs at least one entry")
        seen: set[str] = set()
        for e in self.entries:
            if not e.references:
                raise ValueError(f"colour {e.name!r} has no reference colour")
            for term in map(_term, (e.name, *e.aliases)):
                if term in seen:
                    raise ValueError(f"colour term {term!r} appears twice in the palette")
                seen.add(term)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.entries)

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Every name and alias (canonical form) -> its palette name."""
        return {_term(term): e.name for e in self.entries for term in (e.name, *e.aliases)}

    def resolve(self, term: str) -> str | None:
        """The palette name a colour term denotes ("Navy Blue" -> "navy"), or None."""
        return self.aliases.get(_term(term))

    @classmethod
    def from_names(cls, names: Iterable[str | PaletteEntry], base: Palette | None = None) -> Palette:
        """A palette of the given colours: a name or alias of ``base`` (default :data:`DEFAULT_PALETTE`) takes that
        entry with its aliases (once, however many of its terms are given); any other matplotlib colour name
        ("forest green", "silver") becomes an entry without aliases; a :class:`PaletteEntry` is taken as it is."""
        base = DEFAULT_PALETTE if base is None else base
        chosen: list[PaletteEntry] = []
        for item in names:
            if isinstance(item, PaletteEntry):
                chosen.append(item)
            elif (known := base.resolve(item)) is not None:
                chosen += [e for e in base.entries if e.name == known and e not in chosen]
            elif mcolors.is_color_like(item) or mcolors.is_color_like(f"xkcd:{item}"):
                chosen.append(entry(item))
            else:
                raise ValueError(f"unknown colour name {item!r}")
        return cls(tuple(chosen))

    @cached_property
    def _references(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Lab of every reference colour (grouped by entry), where each entry's group starts, and whether each
        reference's entry is achromatic."""
        labs = [rgb2lab(np.array([mcolors.to_rgb(r) for r in e.references])[None])[0] for e in self.entries]
        starts = np.cumsum([0] + [len(lab) for lab in labs[:-1]])
        grey = [np.full(len(lab), (lab2lch(lab)[:, 1] < NEUTRAL_REFERENCE_CHROMA).all()) for lab in labs]
        return np.concatenate(labs), starts, np.concatenate(grey)


DEFAULT_PALETTE = Palette(
    (
        entry("black", ("jet black",), ("black",)),
        entry(
            "grey",
            (
                "gray",
                "charcoal",
                "charcoal grey",
                "charcoal gray",
                "dark grey",
                "dark gray",
                "light grey",
                "light gray",
            ),
            ("gray", "darkgray", "xkcd:grey", "xkcd:medium grey"),
        ),
        entry("white", ("bright white", "optic white"), ("white",)),
        entry("cream", ("off white", "ivory", "ecru"), ("ivory", "oldlace", "xkcd:off white", "xkcd:eggshell")),
        entry("beige", ("khaki", "sand", "nude"), ("beige", "wheat", "antiquewhite", "xkcd:beige", "xkcd:taupe")),
        entry("tan", ("camel",), ("tan", "burlywood", "xkcd:tan", "xkcd:camel", "xkcd:fawn")),
        entry(
            "brown",
            ("chocolate", "coffee", "dark brown"),
            (
                "saddlebrown",
                "sienna",
                "xkcd:brown",
                "xkcd:dark brown",
                "xkcd:chocolate brown",
                "xkcd:medium brown",
                "xkcd:coffee",
                "xkcd:dark taupe",
            ),
        ),
        entry(
            "navy",
            ("navy blue", "dark blue", "midnight blue"),
            ("xkcd:navy", "xkcd:navy blue", "xkcd:marine blue"),
        ),
        entry(
            "blue",
            ("royal blue", "cobalt", "denim"),
            (
                "royalblue",
                "dodgerblue",
                "cornflowerblue",
                "xkcd:cobalt",
                "xkcd:denim blue",
                "xkcd:bright blue",
                "xkcd:medium blue",
            ),
        ),
        entry(
            "light blue",
            ("sky blue", "baby blue", "powder blue"),
            ("lightblue", "skyblue", "lightsteelblue", "xkcd:sky blue", "xkcd:light blue", "xkcd:baby blue"),
        ),
        entry(
            "teal",
            ("turquoise", "aqua", "cyan", "petrol"),
            ("teal", "darkcyan", "lightseagreen", "turquoise", "xkcd:teal", "xkcd:turquoise"),
        ),
        entry(
            "green",
            ("emerald", "bottle green", "dark green", "mint", "mint green"),
            (
                "green",
                "forestgreen",
                "seagreen",
                "mediumseagreen",
                "xkcd:kelly green",
                "xkcd:emerald green",
                "xkcd:jade",
                "xkcd:mint",
            ),
        ),
        entry(
            "olive",
            ("olive green", "army green", "khaki green"),
            ("olive", "olivedrab", "darkolivegreen", "xkcd:olive", "xkcd:army green", "xkcd:moss green"),
        ),
        entry(
            "lime",
            ("lime green", "neon green", "chartreuse"),
            ("lime", "limegreen", "yellowgreen", "xkcd:lime green", "xkcd:apple green"),
        ),
        entry("yellow", ("lemon",), ("yellow", "xkcd:yellow", "xkcd:lemon", "xkcd:pale yellow")),
        entry("mustard", ("ochre", "mustard yellow"), ("xkcd:mustard", "xkcd:mustard yellow", "xkcd:ochre")),
        entry("gold", ("golden",), ("gold", "goldenrod", "xkcd:gold")),
        entry(
            "orange",
            ("tangerine", "rust", "burnt orange"),
            ("orange", "darkorange", "xkcd:orange", "xkcd:pumpkin", "xkcd:burnt orange"),
        ),
        entry(
            "red",
            ("scarlet", "crimson", "cherry"),
            ("red", "crimson", "firebrick", "tomato", "xkcd:red", "xkcd:cherry red"),
        ),
        entry("maroon", ("burgundy", "wine", "oxblood"), ("maroon", "xkcd:maroon", "xkcd:burgundy", "xkcd:wine")),
        entry(
            "pink",
            ("rose", "blush", "baby pink", "hot pink", "salmon"),
            ("pink", "lightpink", "hotpink", "palevioletred", "xkcd:pink", "xkcd:rose", "xkcd:dusty pink"),
        ),
        entry(
            "magenta",
            ("fuchsia",),
            ("magenta", "xkcd:magenta", "xkcd:fuchsia", "xkcd:raspberry"),
        ),
        entry(
            "purple",
            ("violet", "plum"),
            ("purple", "rebeccapurple", "blueviolet", "darkorchid", "xkcd:purple", "xkcd:violet", "xkcd:royal purple"),
        ),
        entry(
            "lavender",
            ("lilac", "mauve"),
            ("mediumpurple", "thistle", "plum", "xkcd:lavender", "xkcd:lilac", "xkcd:light purple"),
        ),
    )
)


def dominant_colours(
    image: Image.Image, palette: Palette = DEFAULT_PALETTE, *, k: int = 4, max_colours: int = 2
) -> list[ColourReading]:
    """The dominant colours of a product image (any mode and size), largest share first; see the module docstring.

    ``k`` is the number of k-means clusters, ``max_colours`` the most readings returned (at least one is)."""
    if k < 1 or max_colours < 1:
        raise ValueError("k and max_colours must be at least 1")
    return _read(rgb2lab(_thumbnail(image)), palette, k, max_colours)


def _thumbnail(image: Image.Image) -> np.ndarray:
    """The image as float RGB in [0, 1], at most SIDE pixels on its long side; transparency is put on white."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
    image = image.convert("RGB")
    scale = SIDE / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(image, dtype=np.float32) / 255


def _read(lab: np.ndarray, palette: Palette, k: int, max_colours: int) -> list[ColourReading]:
    """Readings of a Lab image (steps 2-6 of the method)."""
    pixels, weights = _pixels(lab)
    centres, mass = _kmeans(pixels, weights, k)
    names, margins = _name(centres, palette)
    merged: dict[str, list[float]] = {}
    for name, share, margin in zip(names, mass / mass.sum(), margins, strict=True):
        total = merged.setdefault(name, [0.0, 0.0])
        total[0] += share
        total[1] += share * margin
    ranked = sorted(((share, margin / share, name) for name, (share, margin) in merged.items()), reverse=True)
    kept = [r for i, r in enumerate(ranked[:max_colours]) if i == 0 or r[0] >= MIN_SHARE]
    return [
        ColourReading(name, float(share), float(margin), float(share * (1 - np.exp(-margin / MARGIN_SCALE))))
        for share, margin, name in kept
    ]


def _pixels(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Lab pixels to cluster (the foreground without skin) and their centre-prior weights."""
    mask = _foreground(lab)
    skin = mask & _skin(lab2lch(lab))
    rest = mask & ~skin
    if skin.sum() <= SKIN_MAX_SHARE * mask.sum() and rest.mean() >= FOREGROUND_BOUNDS[0]:
        mask = rest
    rows, cols = (np.linspace(-1, 1, n) ** 2 for n in mask.shape)
    weights = np.exp(-(rows[:, None] + cols[None]) / (2 * CENTRE_SIGMA**2))
    return lab[mask], weights[mask]


def _foreground(lab: np.ndarray) -> np.ndarray:
    """Pixels not both close to the border's median colour and connected to the edge; all pixels if implausible."""
    border = np.concatenate([lab[0], lab[-1], lab[1:-1, 0], lab[1:-1, -1]])
    near = deltaE_ciede2000(lab, np.median(border, axis=0)[None, None]) < BACKGROUND_DELTA_E
    labels, _ = ndimage.label(ndimage.binary_erosion(near, border_value=1))
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    mask = ~(ndimage.binary_dilation(np.isin(labels, edge[edge > 0])) & near)
    return mask if FOREGROUND_BOUNDS[0] <= mask.mean() <= FOREGROUND_BOUNDS[1] else np.ones_like(mask)


def _skin(lch: np.ndarray) -> np.ndarray:
    """Whether each LCh pixel has a skin tone."""
    lightness, chroma, hue = lch[..., 0], lch[..., 1], np.degrees(lch[..., 2])
    return _within(lightness, SKIN_L) & _within(chroma, SKIN_C) & _within(hue, SKIN_H)


def _within(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    return (values >= bounds[0]) & (values <= bounds[1])


def _kmeans(x: np.ndarray, weights: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Weighted Lloyd's k-means with k-means++ seeding from a fixed seed: centres and their total weight (empty
    clusters dropped)."""
    rng = np.random.default_rng(0)
    centres = x[rng.choice(len(x), p=weights / weights.sum())][None]
    gap = ((x - centres[0]) ** 2).sum(1) * weights
    while len(centres) < k and gap.any():
        centre = x[rng.choice(len(x), p=gap / gap.sum())]
        centres = np.vstack([centres, centre])
        gap = np.minimum(gap, ((x - centre) ** 2).sum(1) * weights)
    for _ in range(KMEANS_ITERATIONS):
        nearest = ((centres**2).sum(1) - 2 * x @ centres.T).argmin(1)
        member = (nearest == np.arange(len(centres))[:, None]) * weights
        mass = member.sum(1)
        moved = np.where(mass[:, None] > 0, (member @ x) / np.maximum(mass, 1e-12)[:, None], centres)
        converged = np.abs(moved - centres).max() < KMEANS_TOLERANCE
        centres = moved
        if converged:
            break
    return centres[mass > 0], mass[mass > 0]


def _name(centres: np.ndarray, palette: Palette) -> tuple[list[str], np.ndarray]:
    """The palette name of each Lab centre and its margin (second-best minus best entry distance, as used for naming:
    adjusted colour, kL and class penalty)."""
    refs, starts, neutral = palette._references
    lch = lab2lch(centres)
    grey = lch[:, 1] < ACHROMATIC_CHROMA + ACHROMATIC_SLOPE * lch[:, 0]
    low, high = LIGHTNESS_RANGE
    lch[:, 0] = np.clip((lch[:, 0] - low) / (high - low) * 100, 0, 100)
    lch[:, 1] = CHROMA_CEILING * np.tanh(CHROMA_GAIN * lch[:, 1] / CHROMA_CEILING)
    weight = np.where(grey, 1.0, LIGHTNESS_WEIGHT)[:, None]
    distance = deltaE_ciede2000(lch2lab(lch)[:, None], refs[None], kL=weight)
    distance = distance + np.where(grey[:, None] == neutral[None], 0.0, CLASS_PENALTY)
    per_entry = np.minimum.reduceat(distance, starts, axis=1)
    best, second = np.sort(np.column_stack([per_entry, np.full(len(centres), np.inf)]), axis=1)[:, :2].T
    return [palette.entries[i].name for i in per_entry.argmin(1)], np.minimum(second - best, MAX_MARGIN)
