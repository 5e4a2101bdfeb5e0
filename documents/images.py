"""Pillow work on note images: redaction, thumbnails and the traceable download mark.

Every output is re-encoded from pixels by the safe-file pipeline (`iconet.files.image_encode`):
no metadata of the original survives."""

import io

from PIL import Image, ImageDraw, ImageFont

from iconet.files import FileKind, image_encode

THUMBNAIL_SIZE = (320, 320)


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    return image_encode(image, FileKind.JPEG, quality=quality)


def redact(data: bytes, boxes) -> bytes:
    """The image with each (x, y, w, h) box filled in black, as a JPEG without metadata."""
    image = _open(data)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in boxes:
        draw.rectangle([x, y, x + w - 1, y + h - 1], fill=(0, 0, 0))
    return _jpeg(image)


def thumbnail(data: bytes) -> bytes:
    image = _open(data)
    image.thumbnail(THUMBNAIL_SIZE)
    return _jpeg(image, quality=80)


def mark_band_height(height: int) -> int:
    return max(24, height // 12)


def mark(data: bytes, text: str) -> bytes:
    """The image with a visible band at its foot naming who downloaded it and when, and the
    same text faintly across the middle, so that a leaked copy points to its source."""
    image = _open(data)
    width, height = image.size
    band = mark_band_height(height)
    font = ImageFont.load_default(size=max(12, band * 2 // 3))
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle([0, height - band, width, height], fill=(255, 255, 255, 255))
    draw.text((4, height - band + 2), text, fill=(180, 0, 0, 255), font=font)
    draw.text((4, height // 2), text, fill=(180, 0, 0, 90), font=font)
    return _jpeg(image)
