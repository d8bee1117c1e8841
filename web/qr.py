"""QR codes as inline SVG (segno), for slips that link to the public lookup."""
from __future__ import annotations

import segno


def qr_svg_data_uri(text: str, scale: int = 3) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=scale, border=2)
