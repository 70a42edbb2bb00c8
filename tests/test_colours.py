"""kgbuild.colours on synthetic product images drawn with PIL."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from skimage.color import lab2lch, rgb2lab

from kgbuild import colours
from kgbuild.colours import DEFAULT_PALETTE, ColourReading, Palette, PaletteEntry, dominant_colours

Colour = tuple[int, int, int]
WHITE = (255, 255, 255)
LIGHT_GREY = (226, 226, 226)
RED = (190, 25, 35)
NAVY = (25, 35, 80)
GREEN = (30, 130, 60)
BEIGE = (220, 210, 180)
SKIN = (226, 170, 135)
SHIRT = [(80, 30), (50, 40), (15, 85), (38, 105), (55, 90), (55, 225), (145, 225), (145, 90), (162, 105), (185, 85)]
SHIRT += [(150, 40), (120, 30), (100, 48)]


def shirt(colour: Colour, background: Colour = WHITE, outline: Colour | None = None, width: int = 1) -> Image.Image:
    """A t-shirt of one colour on a plain background, 200 x 250 pixels."""
    image = Image.new("RGB", (200, 250), background)
    ImageDraw.Draw(image).polygon(SHIRT, fill=colour, outline=outline, width=width)
    return image


def on_a_model(colour: Colour) -> Image.Image:
    """The t-shirt worn: a skin-coloured head and arms around it."""
    image = shirt(colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 0, 130, 45), fill=SKIN)
    draw.rectangle((10, 95, 40, 190), fill=SKIN)
    draw.rectangle((160, 95, 190, 190), fill=SKIN)
    return image


def names(image: Image.Image, palette: Palette = DEFAULT_PALETTE) -> list[str]:
    return [r.name for r in dominant_colours(image, palette)]


def is_skin(colour: Colour) -> bool:
    lch = lab2lch(rgb2lab(np.array([[colour]], dtype=np.float64) / 255))
    return bool(colours._skin(lch)[0, 0])


@pytest.mark.parametrize(
    ("colour", "expected"),
    [(RED, "red"), (NAVY, "navy"), ((30, 110, 200), "blue"), ((20, 20, 20), "black"), (GREEN, "green")],
)
@pytest.mark.parametrize("background", [WHITE, LIGHT_GREY])
def test_a_plain_garment_reads_its_colour(colour, expected, background):
    readings = dominant_colours(shirt(colour, background))
    assert [r.name for r in readings] == [expected]
    assert readings[0].share > 0.85


def test_a_white_shirt_on_white_is_kept_by_its_outline():
    """Its interior is enclosed by the outline, so it is foreground; the navy print shows that the reading is not
    the whole image (where white would swamp the print)."""
    image = shirt(WHITE, WHITE, outline=(150, 150, 150), width=2)
    ImageDraw.Draw(image).rectangle((80, 80, 120, 150), fill=NAVY)
    assert colours._foreground(rgb2lab(colours._thumbnail(image))).mean() > 0.3  # the shirt, not just its outline
    readings = dominant_colours(image)
    assert [r.name for r in readings] == ["white", "navy"]
    assert 0.5 < readings[0].share < 0.85


def test_the_skin_of_a_model_is_left_out(monkeypatch):
    image = on_a_model(RED)
    assert names(image) == ["red"]
    monkeypatch.setattr(colours, "SKIN_MAX_SHARE", 0.0)  # skin kept: it is read as a second colour
    assert len(names(image)) == 2


def test_a_beige_garment_is_read_as_beige():
    assert names(shirt(BEIGE)) == ["beige"]
    assert names(on_a_model(BEIGE))[0] == "beige"


def test_a_skin_toned_garment_is_not_erased():
    assert is_skin(SKIN)
    readings = dominant_colours(shirt(SKIN))
    assert readings[0].name != "white" and readings[0].share > 0.85


def test_stripes_read_both_colours():
    image = shirt(WHITE, WHITE, outline=NAVY, width=3)
    draw = ImageDraw.Draw(image)
    for y in range(40, 230, 30):
        draw.rectangle((0, y, 200, y + 14), fill=NAVY)
    outside = Image.new("L", image.size, 255)
    ImageDraw.Draw(outside).polygon(SHIRT, fill=0)
    image.paste(WHITE, mask=outside)
    readings = dominant_colours(image)
    assert {r.name for r in readings} == {"navy", "white"}
    assert all(0.3 < r.share < 0.7 for r in readings)


def test_readings_are_deterministic():
    rng = np.random.default_rng(7)
    noisy = np.asarray(shirt((40, 140, 170)), dtype=np.int16) + rng.integers(-25, 25, (250, 200, 3))
    image = Image.fromarray(noisy.clip(0, 255).astype(np.uint8))
    first = dominant_colours(image, k=5, max_colours=3)
    assert first == dominant_colours(image.copy(), k=5, max_colours=3)
    assert first and all(isinstance(r, ColourReading) for r in first)


def test_readings_are_ordered_and_bounded():
    image = shirt(NAVY, outline=RED, width=12)
    readings = dominant_colours(image, max_colours=3)
    shares = [r.share for r in readings]
    assert [r.name for r in readings][:2] == ["navy", "red"]
    assert shares == sorted(shares, reverse=True) and sum(shares) <= 1 + 1e-9
    assert all(0 <= r.confidence <= 1 and r.margin >= 0 for r in readings)
    assert len(dominant_colours(image, max_colours=1)) == 1
    with pytest.raises(ValueError, match="at least 1"):
        dominant_colours(image, k=0)


def test_aliases_resolve():
    assert DEFAULT_PALETTE.resolve("Navy Blue") == "navy"
    assert DEFAULT_PALETTE.resolve("gray") == "grey"
    assert DEFAULT_PALETTE.resolve("Off-White") == "cream"
    assert DEFAULT_PALETTE.resolve(" burgundy ") == "maroon"
    assert DEFAULT_PALETTE.resolve("NAVY") == "navy"
    assert DEFAULT_PALETTE.resolve("plaid") is None
    assert DEFAULT_PALETTE.aliases["khaki"] == "beige"
    assert 20 <= len(DEFAULT_PALETTE.names) <= 30


def test_a_custom_palette_restricts_the_names():
    palette = Palette.from_names(["black", "White", "red", "forest green"])
    assert palette.names == ("black", "white", "red", "forest green")
    assert palette.resolve("jet black") == "black"
    assert Palette.from_names(["navy", "Navy Blue", "silver"]).names == ("navy", "silver")
    assert names(shirt(NAVY), palette) == ["black"]
    assert names(shirt(GREEN), palette) == ["forest green"]
    assert names(shirt((30, 110, 200))) == ["blue"]  # the default palette has the name


def test_a_palette_rejects_bad_definitions():
    with pytest.raises(ValueError, match="unknown colour"):
        Palette.from_names(["red", "no such colour"])
    with pytest.raises(ValueError, match="twice"):
        Palette((PaletteEntry("blue", ("navy",), ("#0000ff",)), PaletteEntry("navy", (), ("#000080",))))
    with pytest.raises(ValueError, match="no reference"):
        Palette((PaletteEntry("blue", (), ()),))


def test_transparency_and_other_modes():
    rgba = Image.new("RGBA", (120, 160), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).ellipse((20, 20, 100, 140), fill=(*RED, 255))
    assert names(rgba) == ["red"]
    assert names(shirt(NAVY).convert("P")) == ["navy"]
    assert names(shirt(RED).resize((20, 25)))[0] == "red"


def test_a_uniform_image_falls_back_to_all_pixels():
    assert names(Image.new("RGB", (300, 300), (30, 110, 200))) == ["blue"]
    assert names(Image.new("RGB", (1, 1), WHITE)) == ["white"]
