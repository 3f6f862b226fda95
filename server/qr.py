"""The QR code that points applicants from the service-room poster to the site."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.image.pure

# Medium error correction survives a scuffed or badly lit poster, and keeps
# the code coarse enough for cheap phone cameras.
_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
_BORDER = 4


def _matrix(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=_ERROR_CORRECTION, border=_BORDER)
    code.add_data(url)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def qr_svg(url: str) -> bytes:
    """A scalable QR code with a white quiet zone, one path of merged dark runs."""
    matrix = _matrix(url)
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" role="img">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
    return svg.encode()


def qr_png(url: str, box_size: int = 10) -> bytes:
    code = qrcode.QRCode(error_correction=_ERROR_CORRECTION, border=_BORDER, box_size=box_size)
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image(image_factory=qrcode.image.pure.PyPNGImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
