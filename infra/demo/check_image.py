"""Voided business checks drawn with Pillow: payer, bank, check number, MICR line and a VOID mark.

The MICR line prints the routing number between transit symbols and the account number before an
on-us symbol (E-13B symbols approximated with bars and squares, digits at a fixed pitch).
Variants: flat scan (PNG/JPEG), phone photo (perspective, tilt, shading, JPEG), image-only PDF.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from infra.demo.image_kit import add_noise, encode, font, shade
from infra.demo.scan import image_pdf

W, H = 1500, 660  # 6 x 2.64 inches at 250 ppi
TINTS = ((236, 244, 250), (240, 248, 236), (250, 245, 230), (244, 240, 250), (255, 255, 255))


@dataclass(frozen=True)
class CheckFace:
    """What a check prints: payer, bank, routing and account numbers, check number."""

    payer: str
    payer_lines: tuple[str, str]
    bank_name: str
    bank_city: str
    routing: str
    account: str
    number: int


def _transit(d: ImageDraw.ImageDraw, x: int, y: int, h: int) -> int:
    d.rectangle((x, y, x + 6, y + h), fill=0)
    s = h // 3
    d.rectangle((x + 12, y, x + 12 + s, y + s), fill=0)
    d.rectangle((x + 12, y + h - s, x + 12 + s, y + h), fill=0)
    return x + 24 + s


def _on_us(d: ImageDraw.ImageDraw, x: int, y: int, h: int) -> int:
    s = h // 3
    d.rectangle((x, y, x + 5, y + h - s - 4), fill=0)
    d.rectangle((x + 11, y, x + 16, y + h - s - 4), fill=0)
    d.rectangle((x + 22, y + h - s, x + 22 + s, y + h), fill=0)
    return x + 32 + s


def _micr(d: ImageDraw.ImageDraw, x: int, y: int, parts: list[str]) -> None:
    f = font(40, bold=True)
    for part in parts:
        if part == "T":
            x = _transit(d, x, y + 6, 30)
        elif part == "U":
            x = _on_us(d, x, y + 6, 30)
        elif part == " ":
            x += 28
        else:
            for ch in part:
                d.text((x, y), ch, font=f, fill=0)
                x += 30


def draw_check(face: CheckFace, rng: random.Random) -> Image.Image:
    """The check face as an RGB image of W x H pixels."""
    tint = rng.choice(TINTS)
    img = Image.new("RGB", (W, H), tint)
    d = ImageDraw.Draw(img)
    for yy in range(0, H, 6):
        d.line((0, yy, W, yy), fill=tuple(max(0, c - 6) for c in tint))
    d.rectangle((8, 8, W - 9, H - 9), outline=(90, 90, 120), width=3)
    d.text((40, 34), face.payer.upper(), font=font(30, bold=True), fill=(20, 20, 20))
    for i, line in enumerate(face.payer_lines):
        d.text((40, 72 + i * 28), line, font=font(22), fill=(30, 30, 30))
    d.text((640, 34), face.bank_name, font=font(28, bold=True), fill=(20, 30, 70))
    d.text((640, 70), face.bank_city, font=font(20), fill=(30, 30, 30))
    d.text((W - 150, 34), str(face.number), font=font(32, bold=True), fill=(20, 20, 20))
    d.text((W - 430, 130), "DATE", font=font(20), fill=(30, 30, 30))
    d.line((W - 360, 152, W - 80, 152), fill=(40, 40, 40), width=2)
    d.text((40, 215), "PAY TO THE", font=font(18), fill=(30, 30, 30))
    d.text((40, 238), "ORDER OF", font=font(18), fill=(30, 30, 30))
    d.line((160, 258, W - 330, 258), fill=(40, 40, 40), width=2)
    d.text((W - 300, 222), "$", font=font(34, bold=True), fill=(20, 20, 20))
    d.rectangle((W - 270, 212, W - 60, 262), outline=(40, 40, 40), width=2)
    d.line((40, 340, W - 240, 340), fill=(40, 40, 40), width=2)
    d.text((W - 220, 316), "DOLLARS", font=font(22), fill=(30, 30, 30))
    d.text((40, 452), "MEMO", font=font(18), fill=(30, 30, 30))
    d.line((110, 472, 640, 472), fill=(40, 40, 40), width=2)
    d.line((W - 620, 472, W - 60, 472), fill=(40, 40, 40), width=2)
    d.text((W - 520, 478), "AUTHORIZED SIGNATURE", font=font(16), fill=(60, 60, 60))
    number = f"{face.number:06d}" if rng.random() < 0.5 else str(face.number)
    parts = (
        ["U", number, "U", " ", "T", face.routing, "T", " ", face.account, "U"]
        if rng.random() < 0.5
        else ["T", face.routing, "T", " ", face.account, "U", " ", number]
    )
    _micr(d, 110, H - 110, parts)
    _void(img, rng)
    return img


def _void(img: Image.Image, rng: random.Random) -> None:
    stamp = Image.new("L", (700, 260), 0)
    sd = ImageDraw.Draw(stamp)
    if rng.random() < 0.5:
        sd.rectangle((10, 10, 690, 250), outline=255, width=12)
        sd.text((70, 20), "VOID", font=font(200, bold=True), fill=255)
        colour = (200, 30, 30)
    else:
        sd.text((60, 10), "VOID", font=font(210, italic=True), fill=255)
        colour = (20, 20, 90)
    stamp = stamp.rotate(rng.uniform(-18, 18), expand=True, resample=Image.Resampling.BICUBIC)
    layer = Image.new("RGB", stamp.size, colour)
    img.paste(layer, (W // 2 - stamp.width // 2, 150), stamp.point(lambda v: int(v * 0.8)))


def flat_scan(face: CheckFace, rng: random.Random) -> tuple[Image.Image, float]:
    """A flatbed scan: the check on white, slightly turned; returns the image and its skew (degrees)."""
    skew = round(rng.uniform(-3, 3), 1) if rng.random() < 0.6 else 0.0
    page = Image.new("RGB", (W + 160, H + 160), (252, 252, 252))
    page.paste(draw_check(face, rng), (80, 80))
    if skew:
        page = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=(252, 252, 252))
    return add_noise(page, rng, 4), skew


def phone_photo(face: CheckFace, rng: random.Random) -> tuple[Image.Image, float]:
    """A phone photo on a desk: tilted, in perspective, unevenly lit and a little soft."""
    skew = round(rng.uniform(-12, 12), 1)
    check = draw_check(face, rng).rotate(
        skew, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=(0, 0, 0)
    )
    mask = Image.new("L", (W, H), 255).rotate(
        skew, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=0
    )
    desk = Image.new(
        "RGB",
        (check.width + 260, check.height + 300),
        rng.choice(((120, 85, 60), (70, 70, 75), (185, 175, 160), (40, 55, 70))),
    )
    desk.paste(check, (130, 150), mask)
    dw, dh = desk.size
    k = rng.uniform(0.02, 0.07)
    coeffs = _perspective(dw, dh, k, rng)
    desk = desk.transform(
        (dw, dh), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=(60, 60, 60)
    )
    desk = shade(desk, rng, rng.uniform(0.1, 0.3)).filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.4)))
    desk = desk.resize((int(dw * 0.8), int(dh * 0.8)), Image.Resampling.LANCZOS)
    return add_noise(desk, rng, 5), skew


def _perspective(w: int, h: int, k: float, rng: random.Random) -> list[float]:
    """Coefficients mapping a slightly keystoned quadrilateral back onto the w x h rectangle."""
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    dx, dy = w * k, h * k
    dst = [
        (rng.uniform(0, dx), rng.uniform(0, dy)),
        (w - rng.uniform(0, dx), rng.uniform(0, dy)),
        (w - rng.uniform(0, dx), h - rng.uniform(0, dy)),
        (rng.uniform(0, dx), h - rng.uniform(0, dy)),
    ]
    rows = []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([u, v, 1, 0, 0, 0, -x * u, -x * v])
        rows.append([0, 0, 0, u, v, 1, -y * u, -y * v])
    b = [c for p in src for c in p]
    return [float(v) for v in np.linalg.solve(np.array(rows, dtype=float), np.array(b, dtype=float))]


def render_check(face: CheckFace, rng: random.Random, kind: str) -> tuple[bytes, float, str]:
    """Check bytes for `kind` in (`png`, `jpeg`, `photo`, `pdf`); returns (bytes, skew_deg, layout family)."""
    if kind == "photo":
        img, skew = phone_photo(face, rng)
        return encode(img, "JPEG", rng.randint(70, 90)), skew, "check_photo"
    img, skew = flat_scan(face, rng)
    if kind == "pdf":
        return image_pdf([img.convert("L")], 250, rng.randint(60, 85), title="Scan"), skew, "check_scan"
    if kind == "jpeg":
        return encode(img, "JPEG", rng.randint(75, 92), dpi=250), skew, "check_scan"
    return encode(img.convert("L") if rng.random() < 0.5 else img, "PNG", dpi=250), skew, "check_scan"
