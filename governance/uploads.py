"""Checks on uploaded evidence files: size, an allow-list of types, and the content hash.

The type is decided by the extension *and* the first bytes of the file, so a renamed
executable is refused; text types must decode as UTF-8. Plain functions, tested on their own.
"""

from __future__ import annotations

import hashlib
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError

MAX_BYTES_DEFAULT = 10 * 1024 * 1024

# extension -> (content type served on download, leading bytes it must start with, or None for text)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    "txt": ("text/plain; charset=utf-8", None),
    "md": ("text/markdown; charset=utf-8", None),
    "csv": ("text/csv; charset=utf-8", None),
    "json": ("application/json", None),
}


def max_bytes() -> int:
    return int(getattr(settings, "GOVERNANCE_EVIDENCE_MAX_BYTES", MAX_BYTES_DEFAULT))


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def allowed_extensions() -> str:
    return ", ".join(sorted(ALLOWED_TYPES))


def check_upload(name: str, size: int, head: bytes) -> str:
    """The content type to store for this file, or ValidationError({"file": ...}) saying why not."""
    limit = max_bytes()
    if size <= 0:
        raise ValidationError({"file": "The file is empty."})
    if size > limit:
        raise ValidationError(
            {"file": f"The file is {human_size(size)}; the limit is {human_size(limit)}."}
        )
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_TYPES:
        raise ValidationError(
            {"file": f"Files of this type are not accepted. Allowed: {allowed_extensions()}."}
        )
    content_type, magic = ALLOWED_TYPES[ext]
    if magic is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still text.
            if exc.start < len(head) - 4:
                raise ValidationError({"file": f"This .{ext} file is not UTF-8 text."}) from exc
    elif not any(head.startswith(m) for m in magic):
        raise ValidationError({"file": f"The file's content is not a real .{ext} file."})
    return content_type


def sha256_file(f: IO[bytes]) -> str:
    digest = hashlib.sha256()
    f.seek(0)
    for chunk in iter(lambda: f.read(64 * 1024), b""):
        digest.update(chunk)
    f.seek(0)
    return digest.hexdigest()


def sha256_text(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
