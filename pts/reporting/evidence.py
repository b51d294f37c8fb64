"""Checks on an uploaded evidence file: size cap, type by magic bytes, a matching extension.

The file is read in chunks and reading stops as soon as the cap is passed, so an oversized
upload is never held whole in memory. Nothing here writes anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError

from pts.core.thai import bilingual

# content type -> (magic prefixes, accepted extensions, stored extension)
TYPES: dict[str, tuple[tuple[bytes, ...], tuple[str, ...], str]] = {
    "application/pdf": ((b"%PDF-",), (".pdf",), "pdf"),
    "image/png": ((b"\x89PNG\r\n\x1a\n",), (".png",), "png"),
    "image/jpeg": ((b"\xff\xd8\xff",), (".jpg", ".jpeg"), "jpg"),
}
ALLOWED_EXTENSIONS = tuple(ext for _magic, exts, _stored in TYPES.values() for ext in exts)
MAGIC_BYTES = max(len(m) for magics, _e, _s in TYPES.values() for m in magics)


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    sha256: str
    size: int
    original_name: str


def sniff(head: bytes) -> str | None:
    """The content type the first bytes announce, or None for anything that is not PDF/PNG/JPEG."""
    for content_type, (magics, _exts, _stored) in TYPES.items():
        if any(head.startswith(m) for m in magics):
            return content_type
    return None


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def read_capped(chunks: Iterable[bytes], *, max_bytes: int, name: str) -> bytes:
    """Join chunks, refusing (and stopping) as soon as more than `max_bytes` have arrived."""
    parts: list[bytes] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise ValidationError({"uploaded_file": bilingual(
                f"ไฟล์ '{name}' ใหญ่เกิน {_human(max_bytes)}", f"file '{name}' is larger than {_human(max_bytes)}"
            )})
        parts.append(chunk)
    return b"".join(parts)


def check_upload(uploaded_file: Any, *, max_bytes: int) -> CheckedFile:
    """Validate an uploaded file (Django UploadedFile) and return its bytes, type and SHA-256.

    1. The name must end in .pdf, .png, .jpg or .jpeg.
    2. The declared size, then the bytes actually read, must stay within `max_bytes`.
    3. The first bytes must be a PDF, PNG or JPEG signature matching the extension; the browser's
       content type is ignored.
    """
    if uploaded_file is None:
        raise ValidationError({"uploaded_file": bilingual("ต้องแนบไฟล์", "a file is required")})
    name = PurePath(str(getattr(uploaded_file, "name", "") or "")).name[:255]
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError({"uploaded_file": bilingual(
            f"ไฟล์ '{name}' ต้องเป็น PDF, PNG หรือ JPEG", f"file '{name}' must be a PDF, PNG or JPEG"
        )})
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > max_bytes:
        raise ValidationError({"uploaded_file": bilingual(
            f"ไฟล์ '{name}' ใหญ่เกิน {_human(max_bytes)}", f"file '{name}' is larger than {_human(max_bytes)}"
        )})
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    content = read_capped(uploaded_file.chunks(), max_bytes=max_bytes, name=name)
    if not content:
        raise ValidationError({"uploaded_file": bilingual(f"ไฟล์ '{name}' ว่างเปล่า", f"file '{name}' is empty")})
    content_type = sniff(content[:MAGIC_BYTES])
    if content_type is None:
        raise ValidationError({"uploaded_file": bilingual(
            f"เนื้อไฟล์ '{name}' ไม่ใช่ PDF, PNG หรือ JPEG", f"the content of '{name}' is not a PDF, PNG or JPEG"
        )})
    if extension not in TYPES[content_type][1]:
        raise ValidationError({"uploaded_file": bilingual(
            f"ชื่อไฟล์ '{name}' ไม่ตรงกับเนื้อไฟล์ ({content_type})",
            f"the name '{name}' does not match its content ({content_type})",
        )})
    return CheckedFile(
        content=content, content_type=content_type, extension=TYPES[content_type][2],
        sha256=hashlib.sha256(content).hexdigest(), size=len(content), original_name=name,
    )
