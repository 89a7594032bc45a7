"""Each HTML email rendered in headless Chromium: the screenshot is not blank, the key facts are on the page.

Skips only when Chromium is absent (Debian: `apt-get install -y chromium`).
"""

from __future__ import annotations

import html
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from permitclock.notices.render import render_notice

from .conftest import WDID
from .test_render import HOSTILE, certification_facts, digest_facts, rejected_facts, reminder

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (Debian: apt-get install -y chromium)")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

CASES = {
    "deadline_reminder": (
        lambda: reminder(name=HOSTILE),
        [
            "Level 2 ERA Technical Report due in 30 days",
            WDID,
            "Zinc, Total (Recoverable)",
            "January 1, 2027",
            "What to do next",
            "not a formal notice",
            HOSTILE,
        ],
    ),
    "daily_digest": (
        digest_facts,
        [
            "Overdue (1)",
            "Due within 7 days (1)",
            "Later (1)",
            "Alpha Yard",
            "Beta Works",
            "not a formal notice",
        ],
    ),
    "attachment_rejected": (
        lambda: rejected_facts(file_name="<script>x</script>.pdf"),
        [
            "An attachment was rejected",
            "961116",
            "<script>x</script>.pdf",
            "encrypted",
            "upload a corrected file",
            "not a formal notice",
        ],
    ),
    "report_sent_for_certification": (
        certification_facts,
        [
            "ready for your certification",
            "961116",
            "Dana Entry",
            "Documents Ready for Certification",
            "not a formal notice",
        ],
    ),
}


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        timeout=90,
        check=False,
    )


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, bytes per pixel and rows of an 8-bit RGB/RGBA PNG (enough to tell a blank page)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and ctype in (2, 6)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(CASES))
def test_html_email_renders_in_chromium(kind: str, tmp_path: Path) -> None:
    make, facts_on_page = CASES[kind]
    page = tmp_path / f"{kind}.html"
    page.write_text(render_notice(kind, make()).html, encoding="utf-8")  # type: ignore[arg-type]
    url = page.as_uri()

    shot = tmp_path / "shot.png"
    done = chromium(tmp_path, f"--screenshot={shot}", "--window-size=900,1200", url)
    assert shot.exists(), done.stderr.decode(errors="replace")[-2000:]
    width, height, bpp, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (900, 1200)
    sample = [row[i : i + 3] for row in rows[::4] for i in range(0, len(row), bpp * 4)]
    assert len(set(sample)) > 8, "screenshot looks blank"
    background = rows[0][:3]
    assert sum(px != background for px in sample) > 0.05 * len(sample), "screenshot is mostly background"

    dom = chromium(tmp_path, "--dump-dom", url).stdout.decode("utf-8")
    parser = _Text()
    parser.feed(dom)
    text = " ".join(html.unescape(" ".join(parser.parts)).split())
    for fact in facts_on_page:
        assert fact in text, fact
    assert "script" not in parser.tags, "hostile input became a script element"
