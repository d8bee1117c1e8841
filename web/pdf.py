"""HTML to PDF with WeasyPrint: a slip's PDF is its printable page, from the same template."""
from __future__ import annotations

from flask import Response


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the Pango library it needs is not installed on this machine."""


def html_to_pdf(html: str, base_url: str) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise PdfUnavailable(
            "PDF output needs WeasyPrint and Debian's libpango-1.0-0 (make demo installs them)"
        ) from exc
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()


def pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
