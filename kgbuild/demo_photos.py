"""The demo catalog's product photos: a silhouette per product type, drawn in the product's colour and pattern on a
studio backdrop (:func:`draw_product`)."""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageFilter

RGB = tuple[int, int, int]
Points = Sequence[tuple[float, float]]
IMAGE_SIZE = 224

# A product is sketched on a 0-100 unit box (y down) as a silhouette and the details painted over it, then rendered
# at twice the output size through its pose (fitted to the frame, a little scale, rotation and offset; shoes and bags
# face either way), in its colour and pattern, reduced, lit (a top-to-bottom fall-off, a soft highlight, darker
# edges) and laid on a studio backdrop (a light neutral vertical gradient) with a soft drop shadow.

_SUPER = 2
_CANVAS = IMAGE_SIZE * _SUPER
_OFF_WHITE: RGB = (236, 233, 226)
_METAL: RGB = (176, 172, 162)
_GOLD: RGB = (196, 164, 92)
_INKS: tuple[RGB, ...] = (
    (242, 238, 228),  # cream
    (28, 36, 78),  # navy
    (24, 24, 24),  # black
    (196, 40, 52),  # red
    (236, 190, 60),  # mustard
    (244, 176, 196),  # rose
    (52, 118, 78),  # green
    (96, 150, 204),  # sky blue
)
_BACKDROPS: tuple[RGB, ...] = ((245, 242, 236), (241, 242, 244), (238, 236, 231), (243, 240, 242))
_DARK_BACKDROP: RGB = (190, 192, 196)  # a white product needs a backdrop it stands out from
_NATURAL = _CANVAS * 0.8 / 100  # canvas pixels per unit: the unit box fills 80% of the frame
_FLIPPABLE = frozenset({"sneakers", "heels", "handbag"})
Box = tuple[float, float, float, float]


def _mirror(points: Points) -> list[tuple[float, float]]:
    return [(100 - x, y) for x, y in reversed(points)]


def _arc_points(box: Box, start: float, end: float, step: float = 7.5) -> list[tuple[float, float]]:
    """Points on an ellipse's arc, PIL's way: degrees clockwise from three o'clock."""
    cx, cy, rx, ry = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
    count = max(2, math.ceil((end - start) / step))
    angles = [math.radians(start + (end - start) * k / count) for k in range(count + 1)]
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def _rounded(box: Box, radius: float) -> list[tuple[float, float]]:
    x0, y0, x1, y1 = box
    r = min(radius, (x1 - x0) / 2, (y1 - y0) / 2)
    if r <= 0:
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    corners = ((x1 - r, y0 + r, 270), (x1 - r, y1 - r, 0), (x0 + r, y1 - r, 90), (x0 + r, y0 + r, 180))
    return [p for cx, cy, a in corners for p in _arc_points((cx - r, cy - r, cx + r, cy + r), a, a + 90, 15)]


def _luma(colour: RGB) -> float:
    return 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]


def _shade(colour: RGB, factor: float) -> RGB:
    return (round(colour[0] * factor), round(colour[1] * factor), round(colour[2] * factor))


def _tint(colour: RGB, share: float) -> RGB:
    return (
        round(colour[0] + (255 - colour[0]) * share),
        round(colour[1] + (255 - colour[1]) * share),
        round(colour[2] + (255 - colour[2]) * share),
    )


class _Sketch:
    """A product drawn in unit coordinates: its silhouette and the details painted over its fill, kept as polygons
    and polylines so that its pose maps them exactly."""

    def __init__(self, colour: RGB, rng: random.Random) -> None:
        self.colour, self.rng = colour, rng
        self.silhouette: list[tuple[str, list[tuple[float, float]], float]] = []  # (fill | cut | stroke, points, w)
        self.details: list[tuple[list[tuple[float, float]], RGB | None, RGB | None, float, bool]] = []
        luma = _luma(colour)
        self.seam = _tint(colour, 0.28) if luma < 60 else _shade(colour, 0.72)
        self.deep = _tint(colour, 0.06) if luma < 40 else _shade(colour, 0.62 if luma < 150 else 0.78)
        self.light = _tint(colour, 0.3)
        self.trim = _OFF_WHITE if luma < 150 else _shade(colour, 0.58)
        self.stripes = "horizontal"

    # The silhouette.
    def shape(self, points: Points) -> None:
        self.silhouette.append(("fill", list(points), 0.0))

    def cut(self, points: Points) -> None:
        self.silhouette.append(("cut", list(points), 0.0))

    def oval(self, box: Box) -> None:
        self.shape(_arc_points(box, 0, 360))

    def block(self, box: Box, radius: float = 0.0) -> None:
        self.shape(_rounded(box, radius))

    def stroke(self, points: Points, width: float) -> None:
        self.silhouette.append(("stroke", list(points), width))

    def loop(self, box: Box, start: float, end: float, width: float) -> None:
        self.stroke(_arc_points(box, start, end), width)

    # Details, painted over the fill and its pattern.
    def poly(self, points: Points, fill: RGB | None, outline: RGB | None = None, width: float = 0.6) -> None:
        self.details.append((list(points), fill, outline, width, True))

    def line(self, points: Points, fill: RGB, width: float = 0.6) -> None:
        self.details.append((list(points), fill, None, width, False))

    def rect(
        self, box: Box, fill: RGB | None, outline: RGB | None = None, width: float = 0.6, radius: float = 0.0
    ) -> None:
        self.poly(_rounded(box, radius), fill, outline, width)

    def ellipse(self, box: Box, fill: RGB | None, outline: RGB | None = None, width: float = 0.6) -> None:
        self.poly(_arc_points(box, 0, 360), fill, outline, width)

    def dot(self, x: float, y: float, radius: float, fill: RGB, outline: RGB | None = None) -> None:
        self.ellipse((x - radius, y - radius, x + radius, y + radius), fill, outline, 0.3)

    def arc(self, box: Box, start: float, end: float, fill: RGB, width: float = 0.6) -> None:
        self.line(_arc_points(box, start, end), fill, width)

    def pie(self, box: Box, start: float, end: float, fill: RGB) -> None:
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        self.poly([centre, *_arc_points(box, start, end)], fill)

    def bounds(self) -> Box:
        xs, ys = [], []
        for kind, points, width in self.silhouette:
            if kind != "cut":
                xs += [x + s * width / 2 for x, _ in points for s in (-1, 1)]
                ys += [y + s * width / 2 for _, y in points for s in (-1, 1)]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class _Pose:
    """Unit coordinates → canvas pixels: the sketch's box fitted to the frame, turned, scaled and shifted."""

    centre: tuple[float, float]  # of the sketch, in units
    scale: float  # pixels per unit
    angle: float  # radians
    shift: tuple[float, float]  # of the product's centre from the canvas', in pixels
    flip: bool

    def __call__(self, points: Points) -> list[tuple[float, float]]:
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        out = []
        for x, y in points:
            u, v = (x - self.centre[0]) * self.scale, (y - self.centre[1]) * self.scale
            if self.flip:
                u = -u
            out.append(
                (_CANVAS / 2 + self.shift[0] + u * cos - v * sin, _CANVAS / 2 + self.shift[1] + u * sin + v * cos)
            )
        return out

    def width(self, units: float) -> int:
        return max(1, round(units * self.scale))


def draw_product(shape: str, modifier: str, feature: str, rgb: RGB, pattern: str, rng: random.Random) -> Image.Image:
    """A studio photo of one product drawn as ``shape`` (``IMAGE_SIZE`` square, RGB); its randomness is drawn from
    ``rng``."""
    rng = random.Random(rng.getrandbits(64))
    sketch = _Sketch(rgb, rng)
    _DRAWINGS[shape](sketch, modifier, feature)
    pose = _pose(sketch, shape, rng)
    mask = Image.new("L", (_CANVAS, _CANVAS), 0)
    draw = ImageDraw.Draw(mask)
    for kind, points, width in sketch.silhouette:
        if kind == "stroke":
            draw.line(pose(points), fill=255, width=pose.width(width), joint="curve")
        else:
            draw.polygon(pose(points), fill=255 if kind == "fill" else 0)
    fill = Image.new("RGB", (_CANVAS, _CANVAS), rgb)
    if pattern != "solid":
        fill = _pattern(fill, pattern, sketch, pose.angle, rng)
    draw = ImageDraw.Draw(fill)
    for points, paint, outline, width, closed in sketch.details:
        if closed:
            draw.polygon(pose(points), fill=paint, outline=outline, width=pose.width(width) if outline else 0)
        elif paint is not None:
            draw.line(pose(points), fill=paint, width=pose.width(width), joint="curve")
    fill, mask = fill.reduce(_SUPER), mask.reduce(_SUPER)
    return _studio(_lit(fill, mask, rgb, rng), mask, rgb, rng)


def _pose(sketch: _Sketch, shape: str, rng: random.Random) -> _Pose:
    """The sketch at its own scale (the unit box fills most of the frame), smaller if it would not fit, centred,
    then a little smaller or larger, turned and shifted."""
    x0, y0, x1, y1 = sketch.bounds()
    scale = min(_NATURAL, _CANVAS * 0.88 / max(x1 - x0, y1 - y0)) * rng.uniform(0.93, 1.0)
    room_x, room_y = (_CANVAS * 0.94 - (x1 - x0) * scale) / 2, (_CANVAS * 0.94 - (y1 - y0) * scale) / 2
    shift = (rng.uniform(-0.5, 0.5) * max(room_x, 0), rng.uniform(-0.5, 0.5) * max(room_y, 0))
    angle = math.radians(rng.uniform(-4.0, 4.0))
    flip = shape in _FLIPPABLE and rng.random() < 0.5
    return _Pose(((x0 + x1) / 2, (y0 + y1) / 2), scale, angle, shift, flip)


def _turned(points: Points, angle: float) -> list[tuple[float, float]]:
    """Points turned about the canvas centre (a pattern follows its product's pose)."""
    cos, sin, c = math.cos(angle), math.sin(angle), _CANVAS / 2
    return [(c + (x - c) * cos - (y - c) * sin, c + (x - c) * sin + (y - c) * cos) for x, y in points]


def _pattern(fill: Image.Image, pattern: str, sketch: _Sketch, angle: float, rng: random.Random) -> Image.Image:
    """The fabric: ink on the product colour, an ink that stands apart from it."""
    inks = [ink for ink in _INKS if math.dist(ink, sketch.colour) > 150] or [_OFF_WHITE]
    ink = rng.choice(inks)
    draw = ImageDraw.Draw(fill)
    size, far = _CANVAS, _CANVAS // 4  # bands reach past the corners whatever the angle

    def band(start: float, width: float, vertical: bool) -> list[tuple[float, float]]:
        if vertical:
            return _turned(
                [(start, -far), (start + width, -far), (start + width, size + far), (start, size + far)], angle
            )
        return _turned([(-far, start), (size + far, start), (size + far, start + width), (-far, start + width)], angle)

    if pattern == "striped":
        step = rng.randint(18, 30)
        width = max(3, round(step * rng.uniform(0.25, 0.4)))
        for start in range(-far - rng.randrange(step), size + far, step):
            draw.polygon(band(start, width, sketch.stripes == "vertical"), fill=ink)
    elif pattern == "checked":
        step = rng.randint(26, 40)
        across, down = Image.new("L", (size, size), 0), Image.new("L", (size, size), 0)
        first = -far - rng.randrange(step)
        for start in range(first, size + far, step):
            ImageDraw.Draw(across).polygon(band(start, step / 2, False), fill=105)
            ImageDraw.Draw(down).polygon(band(start, step / 2, True), fill=105)
        fill = Image.composite(Image.new("RGB", (size, size), ink), fill, ImageChops.add(across, down))
        draw = ImageDraw.Draw(fill)
        line = rng.choice([i for i in inks if i != ink] or [ink])
        for start in range(first + step // 4, size + far, step * 2):
            draw.polygon(band(start, 2, False), fill=line)
            draw.polygon(band(start, 2, True), fill=line)
    elif pattern == "polka dot":
        step, radius = rng.randint(24, 32), rng.randint(5, 7)
        centres = [
            (x + (row % 2) * step / 2, y)
            for row, y in enumerate(range(-far, size + far, step))
            for x in range(-far, size + far, step)
        ]
        for x, y in _turned(centres, angle):
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=ink)
    elif pattern == "printed":
        second = rng.choice(inks)
        for _ in range(rng.randint(110, 150)):
            x, y, r = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(6, 11)
            if rng.random() < 0.6:  # a five-petal flower
                for k in range(5):
                    a = 2 * math.pi * k / 5
                    px, py = x + r * 0.75 * math.cos(a), y + r * 0.75 * math.sin(a)
                    draw.ellipse((px - r / 2, py - r / 2, px + r / 2, py + r / 2), fill=ink)
                draw.ellipse((x - r / 3, y - r / 3, x + r / 3, y + r / 3), fill=second)
            else:  # a leaf
                leaf = _arc_points((x - r, y - r / 3, x + r, y + r / 3), 0, 360, 30)
                turn = rng.uniform(0, math.pi)
                cos, sin = math.cos(turn), math.sin(turn)
                draw.polygon(
                    [(x + (u - x) * cos - (v - y) * sin, y + (u - x) * sin + (v - y) * cos) for u, v in leaf],
                    fill=second,
                )
    return fill


@functools.cache
def _ramp(size: int) -> Image.Image:
    """0 at the top to 255 at the bottom."""
    return Image.linear_gradient("L").resize((size, size))


def _lit(fill: Image.Image, mask: Image.Image, colour: RGB, rng: random.Random) -> Image.Image:
    """Light from above: a top-to-bottom fall-off, a soft highlight and darker edges, so the object is not flat."""
    size = fill.size[0]
    white = _luma(colour) > 235
    depth = rng.uniform(0.05, 0.08) if white else rng.uniform(0.1, 0.16)
    above = _ramp(size).point(lambda v: round(max(0, 128 - v) * depth * 1.6))  # lighter towards the top
    below = _ramp(size).point(lambda v: 255 - round(max(0, v - 128) * depth * 2))  # darker towards the bottom
    fill = ImageChops.screen(fill, Image.merge("RGB", (above, above, above)))
    fill = ImageChops.multiply(fill, Image.merge("RGB", (below, below, below)))
    x0, y0, x1, y1 = mask.getbbox() or (0, 0, size, size)
    width, height = x1 - x0, y1 - y0
    glow = Image.new("L", (size, size), 0)
    cx, cy = x0 + width * rng.uniform(0.3, 0.45), y0 + height * rng.uniform(0.2, 0.35)
    ImageDraw.Draw(glow).ellipse((cx - width / 4, cy - height / 5, cx + width / 4, cy + height / 5), fill=36)
    glow = glow.filter(ImageFilter.GaussianBlur(max(width, height) / 10))
    fill = ImageChops.screen(fill, Image.merge("RGB", (glow, glow, glow)))
    edge = ImageChops.subtract(mask, mask.filter(ImageFilter.GaussianBlur(3)))
    edge = edge.point(lambda v: min(60, v) if white else min(110, round(v * 1.6)))
    darker = ImageChops.multiply(fill, Image.new("RGB", (size, size), (150, 150, 150)))
    return Image.composite(darker, fill, edge)


def _studio(fill: Image.Image, mask: Image.Image, colour: RGB, rng: random.Random) -> Image.Image:
    """A light neutral backdrop, a soft vertical gradient, the product's drop shadow, the product."""
    size = fill.size[0]
    top = _DARK_BACKDROP if _luma(colour) > 235 else rng.choice(_BACKDROPS)
    top = _shade(top, rng.uniform(0.985, 1.0))
    bottom = _shade(top, rng.uniform(0.95, 0.965))
    photo = Image.composite(Image.new("RGB", (size, size), bottom), Image.new("RGB", (size, size), top), _ramp(size))
    shadow = ImageChops.offset(mask.filter(ImageFilter.GaussianBlur(5)), rng.randint(2, 5), rng.randint(4, 7))
    strength = rng.uniform(0.36, 0.42)
    shadow = shadow.point(lambda v: round(v * strength))
    photo = Image.composite(Image.new("RGB", (size, size), _shade(top, 0.76)), photo, shadow)
    photo.paste(fill, (0, 0), mask)
    return photo


# ---- One drawing per type (unit box 0-100, y down) ----------------------------------------------------------------


def _t_shirt(s: _Sketch, style: str, feature: str) -> None:
    if style == "oversized":
        body = [(36, 14), (19, 18), (3, 38), (14, 52), (22, 46), (22, 84), (78, 84), (78, 46), (86, 52), (97, 38)]
        body += [(81, 18), (64, 14)]
        cuff: list[tuple[float, float]] = [(7, 36), (17, 49)]
    else:
        body = [(37, 14), (23, 17), (7, 32), (16, 46), (27, 40), (27, 86), (73, 86), (73, 40), (84, 46), (93, 32)]
        body += [(78, 17), (64, 14)]
        cuff = [(10, 31), (18.5, 43)]
    s.shape(body)
    hem = body[5][1] - 3.5
    s.pie((36, 5, 64, 23), 0, 180, s.deep)  # the inside of the back, seen through the neck
    if style == "polo":
        flap = [(37, 13), (50, 16), (45, 27), (33, 19)]
        edge = s.trim if feature == "contrast tipping" else s.seam
        for side in (flap, _mirror(flap)):
            s.poly(side, s.colour, edge, 0.9)
        s.rect((47, 16, 53, 36), None, s.seam)
        for y in (22, 30):
            s.dot(50, y, 1.2, s.trim, s.seam)
    else:
        s.arc((34, 3, 66, 25), 0, 180, s.seam, 1.8)  # ribbed neckband
        if style == "henley":
            s.rect((47.5, 16, 52.5, 38), None, s.seam)
            for y in (21, 27, 33):
                s.dot(50, y, 1.1, s.trim, s.seam)
    for line in (cuff, _mirror(cuff)):
        s.line(line, s.seam)
    s.line([(body[5][0] + 0.5, hem), (body[6][0] - 0.5, hem)], s.seam)
    if feature == "chest pocket":
        s.rect((57, 26, 68, 38), None, s.seam)


def _shirt(s: _Sketch, style: str, feature: str) -> None:
    s.stripes = "vertical"
    body = [(38, 11), (27, 15), (27.5, 40), (28, 86), (36, 90), (50, 93), (64, 90), (72, 86), (72.5, 40), (73, 15)]
    body += [(62, 11)]
    sleeve = [(27, 15), (20, 21), (12, 80), (22, 82), (25.5, 42)]
    s.shape(body)
    s.shape(sleeve)
    s.shape(_mirror(sleeve))
    for cuff in ([(12.6, 73), (22.4, 75)], [(87.4, 73), (77.6, 75)]):
        s.line(cuff, s.seam, 0.7)
    s.line([(28.5, 84), (36, 88), (50, 91), (64, 88), (71.5, 84)], s.seam, 0.5)
    s.line([(47.5, 17), (47.5, 92)], s.seam, 0.5)
    s.line([(52.5, 17), (52.5, 92)], s.seam, 0.5)
    for y in range(24, 90, 11):
        s.dot(50, y, 1.2, s.trim, s.seam)
    s.pie((38, 4, 62, 20), 0, 180, s.deep)
    if style == "mandarin collar":
        s.poly([(38, 9), (62, 9), (63, 15), (50, 17), (37, 15)], s.colour, s.seam, 0.6)
    else:
        wide = feature == "spread collar" or style == "formal"
        point = [(37, 11), (50, 17), (40, 24) if wide else (43, 27), (35, 17)]
        for side in (point, _mirror(point)):
            s.poly(side, s.colour, s.seam, 0.6)
    if feature == "patch pocket" or style == "formal":
        s.rect((30, 28, 40, 40), None, s.seam, 0.5)
    if feature == "roll-up sleeves":
        for tab in ([(20, 50), (23, 58)], [(80, 50), (77, 58)]):
            s.line(tab, s.seam, 1.0)


def _kurta(s: _Sketch, style: str, feature: str) -> None:
    if style == "anarkali":
        body = [(41, 8), (34, 12), (34, 36), (12, 98), (88, 98), (66, 36), (66, 12), (59, 8)]
    else:
        half = 17 if style == "straight" else 23  # flared
        body = [(41, 8), (34, 12), (33, 40), (50 - half, 98), (50 + half, 98), (67, 40), (66, 12), (59, 8)]
    sleeve = [(34, 12), (25, 17), (15, 50), (24, 54), (33.5, 30)]
    s.shape(body)
    s.shape(sleeve)
    s.shape(_mirror(sleeve))
    s.pie((42, 2, 58, 15), 0, 180, s.deep)
    s.arc((40.5, 0.5, 59.5, 16.5), 0, 180, s.seam, 1.2)
    s.line([(50, 9), (50, 27)], s.seam, 0.8)
    for cuff in ([(16, 47), (25, 51)], [(84, 47), (75, 51)]):
        s.line(cuff, s.deep, 1.6)
    left, right = body[3][0], body[4][0]
    s.poly([(left, 93), (right, 93), (right, 98), (left, 98)], s.deep)  # the border at the hem
    if style == "anarkali":
        s.line([(34, 36), (66, 36)], s.seam, 0.9)
        for k in range(1, 8):
            s.line([(34 + k * 4, 36.5), (12 + k * 9.5, 93)], s.seam, 0.4)
    else:
        for x in (left + 2.2, right - 2.2):  # side slits
            s.cut([(x - 0.9, 98.5), (x, 85), (x + 0.9, 98.5)])
    if feature == "mirror work":
        for k in range(9):
            angle = math.radians(20 + k * 17.5)
            s.dot(50 + 11.5 * math.cos(angle), 9 + 11.5 * math.sin(angle), 0.9, _OFF_WHITE)


def _jacket(s: _Sketch, style: str, feature: str) -> None:
    body = [(37, 11), (23, 15), (22, 92), (78, 92), (77, 15), (63, 11)]
    sleeve = [(23, 15), (13, 20), (-5, 74), (5, 80), (22, 42)]
    s.shape(body)
    s.shape(sleeve)
    s.shape(_mirror(sleeve))
    for cuff in ([(-2.5, 71), (7, 77)], [(102.5, 71), (93, 77)]):
        s.line(cuff, s.deep, 1.8 if style in ("bomber", "hooded") else 0.7)
    zip_line = [(50, 13), (50, 92)]
    if style == "hooded":
        s.oval((32, -7, 68, 24))
        s.ellipse((38.5, -1.5, 61.5, 19), s.deep)
        for x0, x1 in ((46, 45), (54, 55)):
            s.line([(x0, 17), (x1, 32)], s.trim, 0.6)
        s.poly([(34, 64), (66, 64), (70, 85), (30, 85)], None, s.seam)
    elif style == "biker":
        lapel = [(37, 11), (47, 14), (40, 36), (31, 21)]
        for side in (lapel, _mirror(lapel)):
            s.poly(side, s.colour, s.seam, 0.7)
        zip_line = [(60, 16), (45, 92)]
        s.rect((22, 86, 78, 92), s.deep)
        s.rect((46, 86, 52, 92), None, _METAL, 0.6)
    elif style == "trucker":
        collar = [(37, 11), (50, 15), (42, 24), (33, 17)]
        for side in (collar, _mirror(collar)):
            s.poly(side, s.colour, s.seam, 0.6)
        s.line([(23, 26), (77, 26)], s.seam, 0.5)
        for box in ((29, 29, 40, 37), (60, 29, 71, 37)):
            s.rect(box, s.colour, s.seam)
        zip_line = []
        for y in range(22, 90, 9):
            s.dot(50, y, 1.2, _METAL, s.seam)
        s.line([(50, 14), (50, 92)], s.seam, 0.5)
    else:
        s.block((36, 5, 64, 14), 3)  # a stand collar
        s.rect((36, 5, 64, 14), s.deep, radius=3)
        if style == "puffer":
            for y in range(22, 90, 8):
                s.line([(23, y), (77, y)], s.seam, 0.7)
            for k in range(1, 6):
                t = k / 6
                across = [(13 - 18 * t, 20 + 54 * t), (22 - 17 * t, 42 + 38 * t)]
                for points in (across, _mirror(across)):
                    s.line(points, s.seam, 0.6)
        else:
            s.rect((22, 87, 78, 92), s.deep)
    if zip_line:
        s.line(zip_line, _METAL, 0.8)
    if feature == "zip pockets":
        s.line([(30, 60), (34, 74)], _METAL, 0.6)
        s.line([(70, 60), (66, 74)], _METAL, 0.6)


def _dress(s: _Sketch, style: str, feature: str) -> None:
    if style == "shift":
        shoulder = [(39, 8), (33, 10), (25, 17), (28, 25), (34, 22), (33, 34), (22, 84)]
        s.shape([*shoulder, *_mirror(shoulder)])
        s.pie((40, 1, 60, 15), 0, 180, s.deep)
        s.line([(22.5, 81), (77.5, 81)], s.seam)
        for cuff in ([(26, 19.5), (29, 24)], [(74, 19.5), (71, 24)]):
            s.line(cuff, s.seam, 0.5)
        if feature == "pockets":
            s.line([(32, 50), (35, 60)], s.seam)
            s.line([(68, 50), (65, 60)], s.seam)
        return
    hem_y, half = {"maxi": (97, 36), "midi": (84, 30), "skater": (76, 28), "wrap": (86, 30)}[style]
    s.shape([(37, 14), (63, 14), (62, 36), (38, 36)])
    s.shape([(38, 35), (62, 35), (50 + half, hem_y), (50, hem_y + 2), (50 - half, hem_y)])
    if style == "wrap":
        flutter = [(37, 13), (26, 18), (30, 28), (37, 24)]
        s.shape(flutter)
        s.shape(_mirror(flutter))
        s.block((36, 10, 64, 16), 2)
        s.poly([(42, 11), (58, 11), (50, 28)], s.deep)
        s.line([(58, 12), (40, 52)], s.seam, 0.7)
        s.line([(38, 36), (62, 36)], s.seam, 0.8)
    else:
        for x0, x1 in ((40, 39), (60, 61)):
            s.stroke([(x0, 4), (x1, 15)], 1.8)
        s.poly([(41, 14), (59, 14), (57, 19), (43, 19)], s.deep)
        s.line([(38, 36), (62, 36)], s.seam, 0.6)
    if style == "maxi":
        for t in (0.4, 0.72):
            y, w = 36 + (hem_y - 36) * t, 12 + (half - 12) * t
            s.line([(50 - w, y), (50, y + 1), (50 + w, y)], s.seam, 0.6)
    s.line([(50 - half + 1, hem_y - 2.5), (50, hem_y - 0.5), (50 + half - 1, hem_y - 2.5)], s.seam, 0.5)
    if feature in ("belt", "tie-up waist"):
        s.rect((37.5, 33.5, 62.5, 38.5), s.deep)
        s.rect((47, 33, 53, 39), None, _GOLD if feature == "belt" else s.seam, 0.7)


def _skirt(s: _Sketch, style: str, feature: str) -> None:
    s.block((32, 20, 68, 28), 1)
    top = [(32, 27), (68, 27)]
    if style == "pleated":
        s.shape([*top, (93, 82), (7, 82)])
        for k in range(1, 12):
            s.line([(32 + k * 3, 28), (7 + k * 7.2, 82)], s.seam, 0.4)
    elif style == "pencil":
        top = [(35, 23), (65, 23)]
        s.block((35, 16, 65, 24), 1)
        s.shape([*top, (72, 46), (65, 88), (35, 88), (28, 46)])
        if feature == "back slit":
            s.cut([(49, 88.5), (50, 78), (51, 88.5)])
    elif style == "flared":
        hem = [(95, 78)] + [(95 - k * 9, 82 if k % 2 else 78) for k in range(1, 10)] + [(5, 78)]
        s.shape([*top, *hem])
        for k in range(1, 5):
            s.line([(32 + k * 7.2, 29), (5 + k * 18, 76)], s.seam, 0.35)
    else:  # wrap
        s.shape([*top, (88, 82), (12, 82)])
        s.line([(60, 28), (40, 81)], s.seam, 0.7)
        if feature == "tie-up waist":
            s.line([(62, 28), (70, 40)], s.seam, 1.2)
            s.line([(64, 28), (66, 42)], s.seam, 1.2)
    band = (35, 16, 65, 24) if style == "pencil" else (32, 20, 68, 28)
    s.rect(band, None, s.seam, 0.5)
    s.line([(60, band[3]), (60, band[3] + 16)], s.seam, 0.4)


def _jeans(s: _Sketch, style: str, feature: str) -> None:
    s.stripes = "vertical"
    hem = {"skinny fit": 8.5, "slim fit": 9.5, "straight fit": 11, "relaxed fit": 12}[style]
    inner = 44.5
    left = [(32, 8), (31, 42), (inner - hem, 96), (inner, 96), (50, 32)]
    s.shape([*left[:-1], (50, 32), *_mirror(left)[1:], (68, 8)])
    stitch: RGB = (205, 152, 64) if _luma(s.colour) < 150 else s.seam
    s.line([(32.2, 13), (67.8, 13)], s.seam, 0.5)
    for curve in ([(32, 21), (37, 18.5), (40, 13.5)], [(68, 21), (63, 18.5), (60, 13.5)]):
        s.line(curve, stitch, 0.55)
    s.line([(51.5, 13.5), (51.5, 26), (49, 30)], stitch, 0.55)
    for x in (34.5, 49, 63.5):
        s.rect((x, 6, x + 2, 14), None, s.seam, 0.4)
    s.dot(50, 10.5, 1.3, _METAL)
    for x0, x1 in ((inner - hem + 0.3, inner - 0.3), (100 - inner + 0.3, 100 - inner + hem - 0.3)):
        s.line([(x0, 93.5), (x1, 93.5)], stitch, 0.5)
    if feature == "ripped knees":
        for k in range(4):
            y = 56 + k * 1.8
            s.line([(34.5 + k * 0.3, y), (41.5 - k * 0.3, y)], _OFF_WHITE, 0.5)
            s.line([(58.5 + k * 0.3, y), (65.5 - k * 0.3, y)], _OFF_WHITE, 0.5)


def _trousers(s: _Sketch, style: str, feature: str) -> None:
    s.stripes = "vertical"
    s.shape([(29, 8), (71, 8), (73, 30), (74, 96), (53, 96), (50, 38), (47, 96), (26, 96), (27, 30)])
    s.line([(29.2, 13), (70.8, 13)], s.seam, 0.5)
    s.line([(51.5, 13.5), (51.5, 30)], s.seam, 0.5)
    for x in (33, 49, 65):
        s.rect((x, 6, x + 2, 14), None, s.seam, 0.4)
    for crease in ([(37, 18), (36.5, 95)], [(63, 18), (63.5, 95)]):
        s.line(crease, s.seam, 0.4)
    for pocket in ([(30, 14), (34, 27)], [(70, 14), (66, 27)]):
        s.line(pocket, s.seam, 0.5)
    if style == "pleated":
        for x in (40, 43, 57, 60):
            s.line([(x, 13.5), (x + (0.5 if x < 50 else -0.5), 24)], s.seam, 0.4)
    if style == "cargo" or feature == "flap pockets":
        for box in ((27, 50, 37, 64), (63, 50, 73, 64)):
            s.rect(box, s.colour, s.seam, 0.5)
            s.rect((box[0], box[1], box[2], box[1] + 4), s.deep)


def _shorts(s: _Sketch, style: str, feature: str) -> None:
    s.block((18, 20, 82, 29), 1)
    s.shape([(18, 28), (11, 78), (46, 81), (50, 54), (54, 81), (89, 78), (82, 28)])
    s.rect((18, 20, 82, 29), None, s.seam, 0.5)
    for hem in ([(11.5, 74.5), (46.3, 77.5)], [(88.5, 74.5), (53.7, 77.5)]):
        s.line(hem, s.seam, 0.5)
    if style == "running" or feature == "drawstring waist":
        s.line([(48, 25), (45, 40)], s.trim, 0.7)
        s.line([(52, 25), (55, 40)], s.trim, 0.7)
        s.line([(13, 62), (18.5, 29)], s.trim, 1.4)
        s.line([(87, 62), (81.5, 29)], s.trim, 1.4)
    else:
        s.line([(52, 29), (52, 44)], s.seam, 0.5)
        for x in (24, 49, 74):
            s.rect((x, 18.5, x + 2.5, 30), None, s.seam, 0.4)
        for pocket in ([(19, 30), (26, 44)], [(81, 30), (74, 44)]):
            s.line(pocket, s.seam, 0.5)
    if style == "cargo" or feature == "flap pockets":
        for box in ((16, 48, 29, 66), (71, 48, 84, 66)):
            s.rect(box, s.colour, s.seam, 0.5)
            s.rect((box[0], box[1], box[2], box[1] + 5), s.deep)


def _sneakers(s: _Sketch, style: str, feature: str) -> None:
    if style == "high top":
        upper = [(8, 72), (6, 26), (10, 22), (27, 22), (31, 44), (46, 50), (62, 55), (78, 58), (90, 62), (95, 72)]
    else:
        upper = [(8, 72), (6, 48), (10, 40), (22, 37), (31, 42), (46, 46), (62, 51), (78, 55), (90, 60), (96, 72)]
    sole_colour = _OFF_WHITE if _luma(s.colour) > 200 else _tint(s.colour, 0.25)
    sole = [(5, 71), (96, 71), (98, 75), (95, 80), (9, 81), (5, 77)]
    s.shape(upper)
    s.shape(sole)
    s.poly(sole, sole_colour)
    s.line([(6, 79), (96, 78.5)], _shade(sole_colour, 0.7), 0.8)
    collar = upper[1:5]
    s.poly([*collar, (22, 49) if style != "high top" else (20, 30)], s.deep)
    s.rect((5.5, upper[1][1], 10.5, upper[1][1] + 12), s.deep, radius=1.5)
    s.line([(70, 57), (74, 68)], s.seam, 0.6)  # the toe cap
    s.poly([(28, 64), (56, 58), (70, 56), (56, 62), (30, 66)], s.light if _luma(s.colour) < 200 else s.seam)
    if style == "slip-on":
        s.rect((33, 48, 42, 56), s.deep, radius=1)
    else:
        for k in range(5):
            x = 36 + k * 6
            y = 48.5 + k * 1.7
            s.line([(x, y + 1.5), (x + 4, y - 1.5)], s.trim if _luma(s.colour) < 150 else s.deep, 0.9)
    if style == "running":
        for x in range(42, 88, 4):
            for y in range(57, 68, 4):
                s.dot(x, y, 0.45, s.deep)


def _heels(s: _Sketch, style: str, feature: str) -> None:
    shoe = [(11, 36), (18, 33), (25, 42), (38, 55), (52, 64), (68, 68), (84, 71), (94, 78), (95, 85), (90, 88)]
    shoe += [(70, 88), (56, 82), (40, 70), (24, 58), (13, 54)]
    s.shape(shoe)
    if style == "stiletto":
        heel = [(13, 52), (22, 57), (20.5, 88), (18, 88)]
    elif style == "block":
        heel = [(12, 52), (25, 58), (24, 88), (14, 88)]
    else:
        heel = [(12, 52), (24, 58), (36, 67), (42, 76), (41, 88), (13, 88)]
    s.shape(heel)
    s.poly(heel, s.deep if style != "wedge" else _shade(s.colour, 0.86), s.seam, 0.4)
    insole = _tint(s.colour, 0.3) if _luma(s.colour) < 150 else _shade(s.colour, 0.88)
    s.poly([(18, 34.5), (25, 43), (38, 56), (52, 65), (40, 61), (24, 50), (14, 46)], insole)
    s.line([(13, 54), (24, 58), (40, 70), (56, 82), (70, 88), (92, 88)], _shade(s.deep, 0.8), 0.9)
    s.line([(62, 66), (74, 70), (86, 74)], s.seam, 0.4)
    if feature == "ankle strap":
        s.loop((9, 20, 31, 46), 190, 350, 1.6)
        s.stroke([(30, 30), (36, 52)], 1.4)
        s.dot(28, 26, 1.2, _GOLD)
    if feature == "buckle closure":
        s.stroke([(30, 48), (46, 44)], 2.0)
        s.rect((44, 42, 48, 47), None, _GOLD, 0.6)


def _sandals(s: _Sketch, style: str, feature: str) -> None:
    footbed = (
        _tint(s.colour, 0.1) if _luma(s.colour) < 120 else _shade(s.colour, 0.93 if _luma(s.colour) < 235 else 0.98)
    )
    for cx, flip in ((31.0, False), (69.0, True)):
        foot = [(-4, 8), (6, 7), (12, 12), (14, 24), (12, 40), (9, 56), (10, 72), (10, 84), (6, 91), (-2, 93)]
        foot += [(-8, 90), (-11, 80), (-12, 64), (-14, 46), (-15, 30), (-14, 16), (-10, 10)]
        points = [(cx + (-x if flip else x), y) for x, y in foot]
        s.shape(points)
        s.poly(points, footbed, _shade(s.colour, 0.6), 0.9)

        def strap(x0: float, y0: float, x1: float, y1: float, width: float, cx: float = cx, flip: bool = flip) -> None:
            a, b = (cx + (-x0 if flip else x0), y0), (cx + (-x1 if flip else x1), y1)
            s.stroke([a, b], width)
            s.line([a, b], s.colour, width)

        if style == "sports":
            strap(-17, 24, 16, 30, 6)
            strap(-16, 52, 14, 48, 6)
            strap(-14, 76, 13, 76, 3)
            s.rect((cx - 4, 45, cx + 4, 53), None, s.deep, 0.5)
        elif style == "comfort":
            strap(-17, 26, 16, 26, 7)
            strap(-16, 46, 14, 44, 7)
            s.rect((cx + (-11 if flip else 7), 42, cx + (-7 if flip else 11), 48), None, _GOLD, 0.6)
        elif style == "flat":
            strap(-2, 14, -14, 32, 2.2)
            strap(-2, 14, 13, 30, 2.2)
        else:  # strappy
            for y0, y1 in ((20, 34), (34, 20), (40, 52), (52, 40)):
                strap(-15, y0, 14, y1, 1.6)
        if feature == "ankle strap":
            strap(-13, 78, 12, 78, 1.8)


def _handbag(s: _Sketch, style: str, feature: str) -> None:
    body = [(20, 42), (80, 42), (88, 84), (84, 88), (16, 88), (12, 84)]
    s.shape(body)
    if style == "tote":
        for box in ((27, 14, 45, 70), (55, 14, 73, 70)):
            s.loop(box, 180, 360, 3.2)
        for x in (28, 44, 56, 72):
            s.dot(x, 44, 1.4, _GOLD)
    elif style == "shoulder":
        s.loop((24, 10, 76, 74), 180, 360, 3.6)
    else:
        s.loop((12, -4, 88, 88), 190, 350, 1.6)
        for x in (15, 85):
            s.dot(x, 43, 1.6, _GOLD)
    if style != "tote":
        s.poly([(20, 42), (80, 42), (79, 62), (50, 67), (21, 62)], s.colour, s.seam, 0.6)
        s.dot(50, 63, 2.4, _GOLD)
    if feature == "zip closure":
        s.line([(22, 45.5), (78, 45.5)], _METAL, 0.7)
    s.line([(14.5, 84.5), (85.5, 84.5)], s.seam, 0.4)


def _backpack(s: _Sketch, style: str, feature: str) -> None:
    left, right = (25, 75) if style == "laptop" else (23, 77)
    s.block((left, 28, right, 94), 9)
    s.loop((42, 17, 58, 35), 180, 360, 2.4)
    for x0 in (left + 6, right - 12):  # the shoulder straps, seen over the top
        s.poly([(x0, 32), (x0 + 6, 30), (x0 + 6, 37), (x0, 38)], s.deep)
    s.arc((left + 2, 30, right - 2, 78), 180, 360, _METAL, 0.7)
    s.rect((left + 7, 62, right - 7, 90), s.colour, s.seam, 0.6, radius=7)
    s.arc((left + 7, 62, right - 7, 82), 180, 360, _METAL, 0.6)
    s.rect((48.5, 61.5, 51.5, 67), _METAL)
    s.line([(left + 1, 89), (right - 1, 89)], s.seam, 0.4)
    if style == "school":
        s.dot(50, 77, 3.5, s.trim)
    if style == "travel":
        for x0 in (left - 3, right - 1):
            s.block((x0, 64, x0 + 4, 90), 1.5)
            s.rect((x0, 64, x0 + 4, 90), s.deep, radius=1.5)
    if feature == "padded straps":
        for x0 in (left + 6, right - 12):
            s.line([(x0 + 1, 34), (x0 + 5, 33)], s.seam, 0.4)


def _watch(s: _Sketch, style: str, feature: str) -> None:
    s.block((40, 0, 60, 100), 4)
    for y in range(6, 96, 5):
        if not 24 < y < 76:
            s.line([(41, y), (59, y)], s.seam, 0.35)
    hands: RGB = _OFF_WHITE if _luma(s.colour) < 150 else _shade(s.colour, 0.45)
    if style == "digital":
        s.block((29, 30, 71, 70), 8)
        s.rect((29, 30, 71, 70), s.deep, radius=8)
        s.rect((33, 34, 67, 66), s.colour, radius=6)
        s.rect((39, 44, 61, 56), (158, 168, 150), radius=2)
        for k in range(4):
            x = 40.5 + k * 5
            s.rect((x, 46, x + 3, 54), None, (50, 56, 50), 0.5)
        for y in (40, 60):
            s.block((70, y - 2, 73, y + 2), 0.5)
        return
    s.oval((27, 27, 73, 73))
    s.block((71, 47, 76, 53), 1)
    s.rect((71, 47, 76, 53), s.deep, radius=1)
    bezel = s.deep if _luma(s.colour) < 150 else _shade(s.colour, 0.82)
    s.ellipse((27, 27, 73, 73), bezel)
    s.ellipse((30, 30, 70, 70), s.colour, _shade(bezel, 0.85), 0.5)
    for k in range(12):
        angle = math.radians(k * 30)
        r0, r1 = (13.5, 17) if k % 3 else (12, 17)
        s.line(
            [
                (50 + r0 * math.cos(angle), 50 + r0 * math.sin(angle)),
                (50 + r1 * math.cos(angle), 50 + r1 * math.sin(angle)),
            ],
            hands,
            0.6,
        )
    if style == "chronograph":
        for x, y in ((50, 41), (42, 53), (58, 53)):
            s.ellipse((x - 4, y - 4, x + 4, y + 4), s.deep, hands, 0.3)
        for y in (40, 60):
            s.block((71, y - 2, 75, y + 2), 0.5)
    hour, minute = math.radians(s.rng.uniform(0, 360)), math.radians(s.rng.uniform(0, 360))
    s.line([(50, 50), (50 + 9 * math.cos(hour), 50 + 9 * math.sin(hour))], hands, 1.3)
    s.line([(50, 50), (50 + 14 * math.cos(minute), 50 + 14 * math.sin(minute))], hands, 0.9)
    s.dot(50, 50, 1.3, hands)
    if feature == "date display":
        s.rect((59, 48, 64, 52), _OFF_WHITE)


def _lens(cx: float, cy: float, style: str, side: int) -> list[tuple[float, float]]:
    """One lens outline; ``side`` -1 for the left lens, 1 for the right (its outer edge faces ``side``)."""
    points = []
    for k in range(48):
        t = 2 * math.pi * k / 48
        ux, uy = math.cos(t), math.sin(t)
        outer = ux * side
        if style == "round":
            x, y = 14 * ux, 14 * uy
        elif style == "wayfarer":
            x = 17 * math.copysign(abs(ux) ** 0.5, ux) * (1 - 0.16 * max(uy, 0))
            y = 12 * math.copysign(abs(uy) ** 0.6, uy)
        elif style == "aviator":
            x, y = 16 * ux, 12 * uy + max(uy, 0) * 7 * (0.4 - 0.6 * outer)
        else:  # cat-eye
            x, y = 17 * ux, 11 * uy - 7 * max(-uy, 0) * max(outer, 0) ** 2
        points.append((cx + x, cy + y))
    return points


def _sunglasses(s: _Sketch, style: str, feature: str) -> None:
    tint = _shade(s.colour, 0.88) if _luma(s.colour) > 30 else (18, 18, 20)
    rim = 1.1 if style == "aviator" else 1.2 if style == "round" else 1.28
    for cx, side in ((31.0, -1), (69.0, 1)):
        lens = _lens(cx, 50, style, side)
        frame = [(cx + (x - cx) * rim, 50 + (y - 50) * rim) for x, y in lens]
        s.shape(frame)
        s.poly(lens, tint)
        s.line([(cx - 8, 46), (cx - 2, 40)], _tint(tint, 0.35), 1.0)  # a reflection
        hinge_x = cx + side * 20 * (rim if style != "round" else 1.1)
        s.stroke([(hinge_x, 42), (hinge_x + side * 5, 41)], 2.4)
    s.stroke([(44, 46), (50, 43.5), (56, 46)], 2.2)
    if style == "aviator":
        s.stroke([(40, 37.5), (60, 37.5)], 1.2)


_DRAWINGS: dict[str, Callable[[_Sketch, str, str], None]] = {
    "t-shirt": _t_shirt,
    "shirt": _shirt,
    "kurta": _kurta,
    "jacket": _jacket,
    "dress": _dress,
    "skirt": _skirt,
    "jeans": _jeans,
    "trousers": _trousers,
    "shorts": _shorts,
    "sneakers": _sneakers,
    "heels": _heels,
    "sandals": _sandals,
    "handbag": _handbag,
    "backpack": _backpack,
    "watch": _watch,
    "sunglasses": _sunglasses,
}
