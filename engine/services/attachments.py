"""Files received with a dossier: checked by their content, stored by their sha256.

`check_uploads` looks at every file before anything is written: an allowed kind (PDF, JPEG,
PNG, DOCX, XLSX) read from the first bytes, a name whose extension agrees with it, a size
under the limit, no file twice. Any refusal names the file and changes nothing. `store` then
writes each file once under `<folder>/<sha256[:2]>/<sha256>` (the uploaded name is only
recorded, never used as a path) and adds the `attachment` rows and one audit event.
A blob written by a transaction that later rolls back stays on disk unreferenced: harmless,
since a path is a content hash, and the next upload of the same content reuses it.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import InvalidInput
from ..models import Attachment, Dossier, User

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 30
NAME_MAX = 255

# kind: (MIME type, extensions its name may have, what to call it in a message)
KINDS = {
    "pdf": ("application/pdf", (".pdf",), "PDF"),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg"), "JPEG image"),
    "png": ("image/png", (".png",), "PNG image"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (".docx",), "Word document (DOCX)"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             (".xlsx",), "Excel workbook (XLSX)"),
}
ALLOWED = ", ".join(k.upper() for k in KINDS)


@dataclass(frozen=True)
class Upload:
    """A file that passed the checks, ready to store."""
    name: str
    content: bytes
    kind: str
    sha256: str

    @property
    def mime_type(self) -> str:
        return KINDS[self.kind][0]


def sniff(content: bytes) -> str | None:
    """The kind of a file from its first bytes (and, for a ZIP, its parts); None if not allowed."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"PK\x03\x04"):
        return _office_kind(content)
    return None


def _office_kind(content: bytes) -> str | None:
    """DOCX and XLSX are ZIP packages; a package is told by its content-types part and its
    main part. Only the directory is read, nothing is extracted."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def clean_name(name: str) -> str:
    """The uploaded name without any folder part or control characters, at most 255 long."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base)
                   if unicodedata.category(c)[0] != "C").strip()
    if len(base) > NAME_MAX:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 \
            else base[:NAME_MAX]
    return base


def check_uploads(files: list[tuple[str, bytes]], *,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> list[Upload]:
    """The files as `Upload`s, or InvalidInput naming the first file refused and why."""
    if len(files) > MAX_FILES:
        raise InvalidInput(f"at most {MAX_FILES} files may be attached at once",
                           {"attachments": "too many"})
    uploads: list[Upload] = []
    for raw_name, content in files:
        name = clean_name(raw_name) or "(no name)"
        uploads.append(_check_one(name, content, max_bytes, uploads))
    return uploads


def _check_one(name: str, content: bytes, max_bytes: int, earlier: list[Upload]) -> Upload:
    def refuse(why: str, detail: str) -> InvalidInput:
        return InvalidInput(f"file {name}: {why}", {"attachments": {name: detail}})

    if not content:
        raise refuse("the file is empty", "empty")
    if len(content) > max_bytes:
        raise refuse(f"larger than the {human_size(max_bytes)} allowed per file", "too large")
    kind = sniff(content)
    if kind is None:
        raise refuse(f"its content is not one of the allowed types ({ALLOWED}), whatever its "
                     "name says", "type not allowed")
    _, extensions, title = KINDS[kind]
    if not name.lower().endswith(extensions):
        said = Path(name).suffix or "no extension"
        raise refuse(f"its name says {said} but its content is a {title} "
                     f"({' or '.join(extensions)})", "extension does not match the content")
    sha256 = hashlib.sha256(content).hexdigest()
    twin = next((u for u in earlier if u.sha256 == sha256), None)
    if twin is not None:
        raise refuse(f"the same content as file {twin.name}", "duplicate")
    return Upload(name=name, content=content, kind=kind, sha256=sha256)


def human_size(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def blob_path(folder: Path, sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return Path(folder) / sha256[:2] / sha256


def store(session: Session, actor: User, now: datetime, dossier: Dossier,
          uploads: list[Upload], folder: Path) -> list[Attachment]:
    """Write the checked files (each content once) and record them on the dossier."""
    if not uploads:
        return []
    rows = []
    for upload in uploads:
        _write_blob(blob_path(folder, upload.sha256), upload.content)
        rows.append(Attachment(dossier_id=dossier.id, sha256=upload.sha256,
                               original_name=upload.name, mime_type=upload.mime_type,
                               size=len(upload.content), uploaded_at=now,
                               uploaded_by_id=actor.id))
    session.add_all(rows)
    session.flush()
    audit.record(session, at=now, actor=actor, action="attach", dossier=dossier,
                 after={"attachments": [{"id": r.id, "name": r.original_name,
                                         "sha256": r.sha256, "mime_type": r.mime_type,
                                         "size": r.size} for r in rows]})
    return rows


def _write_blob(path: Path, content: bytes) -> None:
    """Write atomically (a temporary file renamed into place); an existing blob is kept."""
    if path.exists() and path.stat().st_size == len(content):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def attachments_of(session: Session, dossier_id: int) -> list[Attachment]:
    return list(session.execute(select(Attachment).where(Attachment.dossier_id == dossier_id)
                                .order_by(Attachment.id)).scalars())
