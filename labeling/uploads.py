"""Many pictures at once: several files and .zip archives, each picture through the single-upload checks."""
from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

from classifier.images import ImageRejected, check_file_size
from labeling import scoring
from labeling.services import import_image


@dataclass
class UploadReport:
    added: list[dict] = field(default_factory=list)  # {"name", "image_id", "sha256"}
    duplicates: list[dict] = field(default_factory=list)  # already stored: {"name", "image_id", "sha256"}
    rejected: list[dict] = field(default_factory=list)  # {"name", "code", "detail"}
    scoring_job: int | None = None  # the worker scores the new pictures: poll /api/v1/jobs/{id}/


def upload_images(*, classroom, files, user) -> UploadReport:
    """Store every picture in `files` ([(name, bytes)], .zip archives expanded) into the class's
    dataset; a bad picture is reported by name and skipped, the rest are kept. The request only
    stores them: the worker scores the new ones with the class's model (a job)."""
    report = UploadReport()
    for name, content in _pictures(files, report):
        try:
            imported = import_image(classroom=classroom, content=content, name=PurePosixPath(name).name, value=None,
                                    user=user)
        except ImageRejected as rejected:
            report.rejected.append({"name": name, "code": rejected.code, "detail": rejected.detail})
            continue
        entry = {"name": name, "image_id": imported.image.pk, "sha256": imported.image.sha256}
        (report.added if imported.new_image else report.duplicates).append(entry)
    if report.added:
        report.scoring_job = scoring.score_in_the_worker(
            classroom=classroom, owner=user, image_ids_to_score=[entry["image_id"] for entry in report.added]).pk
    return report


def _pictures(files, report: UploadReport):
    for name, content in files:
        if name.lower().endswith(".zip"):
            yield from _zip_members(name, content, report)
        else:
            yield name, content


def _zip_members(name: str, content: bytes, report: UploadReport):
    """(name inside the archive, bytes) for each file of a .zip; the archive's own problems are reported."""
    try:
        check_file_size(len(content), max_bytes=settings.EDUAI_MAX_ZIP_BYTES)
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = [m for m in archive.infolist() if not m.is_dir() and not _is_clutter(m.filename)]
    except ImageRejected as rejected:
        report.rejected.append({"name": name, "code": rejected.code, "detail": rejected.detail})
        return
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        report.rejected.append({"name": name, "code": "bad_zip", "detail": _("This .zip file is damaged or not a .zip file.")})
        return
    if len(members) > settings.EDUAI_MAX_ZIP_FILES or sum(m.file_size for m in members) > settings.EDUAI_MAX_ZIP_BYTES:
        report.rejected.append({"name": name, "code": "zip_too_large", "detail": _(
            "This .zip holds too much: the limit is %(files)d files and %(megabytes)d MB once unpacked.") % {
            "files": settings.EDUAI_MAX_ZIP_FILES, "megabytes": settings.EDUAI_MAX_ZIP_BYTES // (1024 * 1024)}})
        return
    for member in members:
        inner = f"{name}/{member.filename}"
        try:
            check_file_size(member.file_size, max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES)  # the header, before unpacking
        except ImageRejected as rejected:
            report.rejected.append({"name": inner, "code": rejected.code, "detail": rejected.detail})
            continue
        try:
            with archive.open(member) as handle:
                data = handle.read(settings.EDUAI_MAX_UPLOAD_BYTES + 1)  # never more than the limit, whatever the header says
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, zlib.error, lzma.LZMAError):
            report.rejected.append({"name": inner, "code": "bad_zip", "detail": _(
                "This file inside the .zip is damaged or encrypted.")})
            continue
        yield inner, data


def _is_clutter(path: str) -> bool:
    """Folders and files that archivers add and nobody means to upload (__MACOSX, .DS_Store, Thumbs.db)."""
    parts = PurePosixPath(path).parts
    return any(part.startswith(".") or part == "__MACOSX" for part in parts) or parts[-1].lower() == "thumbs.db"
