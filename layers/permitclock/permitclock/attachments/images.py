"""PNG and JPEG supporting documents: they must decode as images within bounds, with nothing appended.

Pillow rather than a hand-written walk: a PNG could be checked completely with zlib alone (chunk CRCs, the
IHDR fields, IDAT inflating to exactly the size IHDR implies), but a JPEG cannot be decoded without a Huffman
and DCT decoder, and a marker walk alone would accept any entropy-coded bytes. Pillow is in the layer anyway
(pikepdf depends on it), decodes both with maintained code (zlib, libjpeg-turbo) and is reached only inside
the sandbox child, after the dimensions in the header passed the bounds: width and height at most
`image_max_side`, width x height x bands at most `image_max_decoded_bytes`. A decoder bug then costs the
child, never the caller.

After the image: nothing for a PNG (the IEND chunk ends the file), only padding NULs for a JPEG (its end
marker `FFD9` ends it). A file with more behind it is two formats at once (`wrong_file_type`).
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib

from PIL import Image

from permitclock.domain.attachments import DetectedFormat, Finding, FindingCode, ValidationLimits

_PNG_SIGNATURE = 8


def check_image(data: bytes, kind: DetectedFormat, limits: ValidationLimits) -> list[Finding]:
    """The errors of the PNG or JPEG image `data`; empty when it decodes within the bounds."""
    label = kind.upper()
    Image.MAX_IMAGE_PIXELS = None  # bounded below, before any pixel is decoded
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data), formats=[label]) as image:
                width, height = image.size
                decoded = width * height * len(image.getbands())
                if max(width, height) > limits.image_max_side or decoded > limits.image_max_decoded_bytes:
                    return [
                        Finding(
                            code=FindingCode.RESOURCE_LIMIT,
                            message=f"The {label} image is {width} x {height} pixels, larger than is checked "
                            f"(at most {limits.image_max_side:,} pixels a side and "
                            f"{limits.image_max_decoded_bytes:,} bytes decoded).",
                        )
                    ]
                image.load()
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError and others for damaged images
        return [Finding(code=FindingCode.MALFORMED, message=f"The {label} image is damaged and could not be decoded.")]
    end = _png_end(data) if kind is DetectedFormat.PNG else _jpeg_end(data)
    if end is None:
        return [Finding(code=FindingCode.MALFORMED, message=f"The {label} image is damaged and could not be decoded.")]
    if data[end:].strip(b"\x00" if kind is DetectedFormat.JPEG else b""):
        return [
            Finding(
                code=FindingCode.WRONG_FILE_TYPE,
                message=f"The file has other content after the end of its {label} image. Upload the image alone.",
            )
        ]
    return []


def _png_end(data: bytes) -> int | None:
    """The offset just past the IEND chunk, every chunk's CRC checked (Pillow skips IDAT's); None if a CRC is
    wrong or there is no IEND."""
    position = _PNG_SIGNATURE
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        body_end = position + 8 + length
        if body_end + 4 > len(data):
            return None
        (crc,) = struct.unpack(">I", data[body_end : body_end + 4])
        if zlib.crc32(data[position + 4 : body_end]) != crc:
            return None
        kind = data[position + 4 : position + 8]
        position = body_end + 4
        if kind == b"IEND":
            return position
    return None


def _jpeg_end(data: bytes) -> int | None:
    """The offset just past the EOI marker, walking segments and entropy-coded data; None if there is none."""
    position = 2
    while position + 2 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xD9:
            return position + 2
        if marker == 0xFF or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 1 if marker == 0xFF else 2  # fill byte, or a marker without a length
            continue
        if position + 4 > len(data):
            return None
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length
        if marker == 0xDA:  # scan data runs to the next marker that is not a stuffed 00 or a restart
            while (position := data.find(b"\xff", position)) >= 0 and position + 1 < len(data):
                following = data[position + 1]
                if following != 0x00 and not 0xD0 <= following <= 0xD7:
                    break
                position += 2
            if position < 0:
                return None
    return None
