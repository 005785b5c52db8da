"""
Draws the site's icons from the design of static/favicon.svg (white "LG" on
the red rounded square) with Pillow, and writes them under static/:

    favicon.ico                  16, 32 and 48 px (browsers ask /favicon.ico)
    icons/favicon-32.png         <link rel="icon" type="image/png">
    icons/apple-touch-icon.png   180 px, opaque square (iOS rounds it itself)
    icons/icon-192.png           web manifest, purpose "any"
    icons/icon-512.png           web manifest, purpose "any"
    icons/icon-maskable-512.png  web manifest, purpose "maskable" (full bleed)

Run again after changing the design: .venv/bin/python deploy/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

STATIC = Path(__file__).resolve().parent.parent / "static"
RED = (192, 57, 43, 255)  # #c0392b, as in favicon.svg
WHITE = (255, 255, 255, 255)
FONT = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf")
SUPERSAMPLE = 4


def font(size):
    try:
        return ImageFont.truetype(str(FONT), size)
    except OSError:  # no Liberation fonts: Pillow's own scalable font
        return ImageFont.load_default(size)


def draw_icon(size, *, rounded=True, text_share=0.5):
    """The icon at `size` px: drawn 4x larger, then scaled down (smooth edges)."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    radius = round(big * 6 / 32) if rounded else 0
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=radius, fill=RED)
    draw.text(
        (big / 2, big / 2),
        "LG",
        font=font(round(big * text_share)),
        fill=WHITE,
        anchor="mm",
    )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main():
    icons = STATIC / "icons"
    icons.mkdir(exist_ok=True)
    ico_sizes = [16, 32, 48]
    largest = draw_icon(48)
    largest.save(
        STATIC / "favicon.ico",
        sizes=[(size, size) for size in ico_sizes],
        append_images=[draw_icon(size) for size in ico_sizes[:-1]],
    )
    draw_icon(32).save(icons / "favicon-32.png", optimize=True)
    # Opaque: iOS fills transparent corners with black.
    touch = draw_icon(180, rounded=False).convert("RGB")
    touch.save(icons / "apple-touch-icon.png", optimize=True)
    draw_icon(192).save(icons / "icon-192.png", optimize=True)
    draw_icon(512).save(icons / "icon-512.png", optimize=True)
    # Maskable: the platform cuts its own shape; the letters stay in the
    # central safe zone (80% circle).
    maskable = draw_icon(512, rounded=False, text_share=0.36).convert("RGB")
    maskable.save(icons / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
