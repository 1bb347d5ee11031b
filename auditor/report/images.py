"""The images an e-original carries (NĐ 30/2020, Phụ lục I, II.8): the competent person's
signature, blue on a transparent background, and the agency's seal, red on a transparent
background. Checked with Pillow before they go into a signature's appearance: a PNG, with an
alpha channel, within size limits, in the colour the decree names."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Literal

from auditor.errors import SigningError
from auditor.fileio import TooLarge, read_regular

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
MIN_SIDE = 60


def signature_image(path: Path, role: Literal["person", "agency"]) -> bytes:
    """The PNG's bytes once it passes every check; else SigningError naming the file."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_SIDE * MAX_SIDE  # refuse a decompression bomb before decoding
    try:
        data = read_regular(path, MAX_BYTES)
    except TooLarge:
        raise SigningError("pdf.image_too_big", path.name) from None
    except OSError:
        raise SigningError("pdf.image_unreadable", path.name) from None
    try:
        with Image.open(BytesIO(data)) as image:
            if image.format != "PNG":
                raise SigningError("pdf.image_unreadable", path.name)
            if max(image.size) > MAX_SIDE:
                raise SigningError("pdf.image_too_big", path.name)
            if min(image.size) < MIN_SIDE:
                raise SigningError("pdf.image_too_small", path.name)
            has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            if not has_alpha:
                raise SigningError("pdf.image_no_alpha", path.name)
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        raise SigningError("pdf.image_unreadable", path.name) from None
    red, green, blue = _ink(rgba)
    if role == "person" and not (blue > red and blue > green):
        raise SigningError("pdf.image_not_blue", path.name)
    if role == "agency" and not (red > green * 1.5 and red > blue * 1.5):
        raise SigningError("pdf.image_not_red", path.name)
    return data


def _ink(image: object) -> tuple[float, float, float]:
    """Mean colour of the visible pixels (alpha-weighted), on a thumbnail; an image with
    nothing visible has no ink colour at all."""
    from PIL import Image

    assert isinstance(image, Image.Image)
    small = image.copy()
    small.thumbnail((200, 200))
    total = red = green = blue = 0.0
    pixels = small.tobytes()
    for i in range(0, len(pixels), 4):
        r, g, b, a = pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]
        if a < 32:
            continue
        total += a
        red, green, blue = red + r * a, green + g * a, blue + b * a
    if not total:
        return 0.0, 0.0, 0.0
    return red / total, green / total, blue / total
