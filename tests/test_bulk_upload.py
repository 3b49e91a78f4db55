"""Many pictures at once (POST /api/v1/images/): several files and .zip archives, each picture through
the single-upload checks; a bad one is reported by name and skipped, the same picture is kept once."""
import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from classifier.models import StoredImage
from labeling.models import ImageScore
from tests import images

MB = 1024 * 1024
# Spanish text as it stands in locale/es/LC_MESSAGES/django.po for the single-upload checks
NOT_AN_IMAGE = {"es": "Este archivo no es una imagen que podamos leer",
                "en": "This file is not an image we can read"}
EMPTY = {"es": "El archivo está vacío.", "en": "The file is empty."}
NONE_USED = {"es": "No se pudo usar ninguno de los archivos.", "en": "None of the files could be used."}


def upload(api, *files, **extra):
    """POST (name, bytes) pairs as the `files` field, as the gallery page does."""
    uploads = [SimpleUploadedFile(name, content) for name, content in files]
    return api.post(reverse("api:images"), {"files": uploads}, format="multipart", **extra)


def make_zip(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED, folders=()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for folder in folders:
            archive.writestr(zipfile.ZipInfo(folder), b"")  # a name ending in "/" is a folder entry
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def files_on_disk(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def names(entries: list[dict]) -> list[str]:
    return [entry["name"] for entry in entries]


def refusals(body: dict) -> list[tuple[str, str]]:
    """(name, code) of each file the upload skipped."""
    return [(entry["name"], entry["code"]) for entry in body["rejected"]]


def assert_nothing_stored(media_root):
    assert not StoredImage.objects.exists()
    assert files_on_disk(media_root) == []


# ------------------------------------------------------------------------------------- files and zips

def test_several_files_at_once_are_all_stored(api, media_root):
    response = upload(api, ("a.jpg", images.jpeg(64, 48)), ("b.jpg", images.jpeg(80, 60)),
                      ("c.png", images.rgba_png()))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["a.jpg", "b.jpg", "c.png"]
    assert body["duplicates"] == [] and body["rejected"] == []
    stored = {image.pk: image for image in StoredImage.objects.all()}
    assert sorted(stored) == sorted(entry["image_id"] for entry in body["added"])
    for entry in body["added"]:
        assert stored[entry["image_id"]].sha256 == entry["sha256"]
        assert stored[entry["image_id"]].original_name == entry["name"]
    assert len(files_on_disk(media_root)) == 3


def test_zip_is_expanded_and_each_picture_named_by_its_path_inside(api, media_root):
    archive = make_zip({"top.jpg": images.jpeg(64, 48), "sub/name.jpg": images.jpeg(90, 70),
                        "sub/deeper/pic.png": images.palette_png()}, folders=["sub/", "sub/deeper/"])

    response = upload(api, ("archive.zip", archive))

    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(names(body["added"])) == [
        "archive.zip/sub/deeper/pic.png", "archive.zip/sub/name.jpg", "archive.zip/top.jpg"]
    assert body["rejected"] == []  # the folder entries are not files, so not reported
    by_id = {entry["name"]: entry["image_id"] for entry in body["added"]}
    assert StoredImage.objects.get(pk=by_id["archive.zip/sub/name.jpg"]).original_name == "name.jpg"
    assert StoredImage.objects.count() == 3 and len(files_on_disk(media_root)) == 3


def test_zip_and_loose_files_in_one_request(api, media_root):
    archive = make_zip({"gato.jpg": images.jpeg(51, 50)})

    response = upload(api, ("loose.jpg", images.jpeg(50, 50)), ("Fotos.ZIP", archive))

    assert response.status_code == 201, response.content
    assert names(response.json()["added"]) == ["loose.jpg", "Fotos.ZIP/gato.jpg"]
    assert StoredImage.objects.count() == 2 and len(files_on_disk(media_root)) == 2


# ------------------------------------------------------------------------------------------- bad files

BAD_FILES = {
    "not an image": ("notes.jpg", images.TEXT, "unsupported_type"),
    "truncated jpeg": ("cut.jpg", images.truncated_jpeg(), "corrupt_image"),
    "empty file": ("empty.jpg", b"", "empty_file"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_file_in_a_batch_is_reported_by_name_and_the_rest_are_kept(api, media_root, case):
    name, content, code = BAD_FILES[case]

    response = upload(api, ("good-1.jpg", images.jpeg(64, 48)), (name, content),
                      ("good-2.jpg", images.jpeg(65, 48)))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["good-1.jpg", "good-2.jpg"]
    assert refusals(body) == [(name, code)]
    assert body["rejected"][0]["detail"]
    assert StoredImage.objects.count() == 2 and len(files_on_disk(media_root)) == 2
    assert not StoredImage.objects.filter(original_name=name).exists()


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_picture_inside_a_zip_is_reported_by_its_path_and_the_rest_are_kept(api, media_root, case):
    name, content, code = BAD_FILES[case]
    archive = make_zip({"ok.jpg": images.jpeg(64, 48), f"sub/{name}": content})

    response = upload(api, ("archive.zip", archive))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["archive.zip/ok.jpg"]
    assert refusals(body) == [(f"archive.zip/sub/{name}", code)]
    assert StoredImage.objects.count() == 1 and len(files_on_disk(media_root)) == 1


# ------------------------------------------------------------------------------------------ duplicates

def test_same_picture_twice_in_one_batch_is_stored_once(api, media_root):
    picture = images.jpeg(64, 48)

    response = upload(api, ("first.jpg", picture), ("copy.jpg", picture), ("other.jpg", images.jpeg(70, 48)))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["first.jpg", "other.jpg"]
    assert names(body["duplicates"]) == ["copy.jpg"]
    assert body["duplicates"][0]["image_id"] == body["added"][0]["image_id"]
    assert StoredImage.objects.count() == 2 and len(files_on_disk(media_root)) == 2


def test_picture_uploaded_again_later_is_reported_as_a_duplicate(api, media_root):
    picture = images.jpeg(64, 48)
    first = upload(api, ("gato.jpg", picture)).json()["added"][0]

    response = upload(api, ("gato-otra-vez.jpg", picture), ("zip.zip", make_zip({"sub/gato.jpg": picture})))

    assert response.status_code == 201, response.content  # nothing new, but nothing wrong either
    body = response.json()
    assert body["added"] == [] and body["rejected"] == []
    assert names(body["duplicates"]) == ["gato-otra-vez.jpg", "zip.zip/sub/gato.jpg"]
    assert {entry["image_id"] for entry in body["duplicates"]} == {first["image_id"]}
    assert StoredImage.objects.count() == 1 and len(files_on_disk(media_root)) == 1


# ------------------------------------------------------------------------------------- archive trouble

def test_archive_clutter_is_ignored(api, media_root):
    archive = make_zip({
        "cat.jpg": images.jpeg(64, 48),
        "__MACOSX/._cat.jpg": b"\x00\x05\x16\x07 resource fork",
        "__MACOSX/sub/._dog.jpg": b"\x00\x05\x16\x07",
        ".DS_Store": b"Bud1\x00\x00",
        "sub/.DS_Store": b"Bud1\x00\x00",
        "sub/Thumbs.db": b"\xd0\xcf\x11\xe0",
        "sub/dog.jpg": images.jpeg(80, 48),
    }, folders=["sub/", "__MACOSX/", "empty-folder/"])

    response = upload(api, ("mac.zip", archive))

    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(names(body["added"])) == ["mac.zip/cat.jpg", "mac.zip/sub/dog.jpg"]
    assert body["rejected"] == [] and body["duplicates"] == []
    assert StoredImage.objects.count() == 2 and len(files_on_disk(media_root)) == 2


def _truncated_zip() -> bytes:
    whole = make_zip({"a.jpg": images.jpeg(64, 48), "b.jpg": images.jpeg(65, 48)})
    return whole[: len(whole) // 2]  # the central directory at the end is gone


DAMAGED_ZIPS = {"not a zip at all": images.TEXT, "cut in half": _truncated_zip()}


@pytest.mark.parametrize("case", DAMAGED_ZIPS, ids=list(DAMAGED_ZIPS))
def test_damaged_zip_is_reported_and_leaves_nothing(api, media_root, case):
    response = upload(api, ("archive.zip", DAMAGED_ZIPS[case]))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "no_images_accepted"
    assert refusals(body) == [("archive.zip", "bad_zip")]
    assert_nothing_stored(media_root)


def test_damaged_zip_next_to_good_files_does_not_stop_them(api, media_root):
    response = upload(api, ("bad.zip", _truncated_zip()), ("good.jpg", images.jpeg(64, 48)))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["good.jpg"]
    assert refusals(body) == [("bad.zip", "bad_zip")]
    assert StoredImage.objects.count() == 1 and len(files_on_disk(media_root)) == 1


def _zip_with_corrupt_deflate_data() -> bytes:
    """A readable directory, but the compressed bytes of its second member are garbage."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ok.jpg", images.jpeg(64, 48))
        archive.writestr("broken.jpg", images.jpeg(300, 200))
    data = bytearray(buffer.getvalue())
    member = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("broken.jpg")
    start = member.header_offset + 30 + len(member.filename)  # past the fixed local header and the name
    for i in range(start + 10, start + 60):
        data[i] ^= 0xFF
    return bytes(data)


def test_damaged_member_inside_a_zip_is_reported_and_the_rest_are_kept(api, media_root):
    response = upload(api, ("archive.zip", _zip_with_corrupt_deflate_data()))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["archive.zip/ok.jpg"]
    assert refusals(body) == [("archive.zip/broken.jpg", "bad_zip")]
    assert StoredImage.objects.count() == 1 and len(files_on_disk(media_root)) == 1


# ------------------------------------------------------------------------------------------------ limits

def test_zip_with_too_many_files_is_refused_whole(api, media_root, settings):
    settings.EDUAI_MAX_ZIP_FILES = 2
    archive = make_zip({f"sub/{i}.jpg": images.jpeg(60 + i, 48) for i in range(3)})

    response = upload(api, ("many.zip", archive), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "no_images_accepted"
    assert refusals(body) == [("many.zip", "zip_too_large")]
    assert "2 files" in body["rejected"][0]["detail"]
    assert_nothing_stored(media_root)


def test_zip_that_unpacks_to_more_than_the_limit_is_refused_whole(api, media_root, settings):
    settings.EDUAI_MAX_ZIP_BYTES = 1 * MB
    # zeros compress to almost nothing: the archive is small, its contents are not
    half = b"\0" * (MB // 2 + 1)
    archive = make_zip({"ok.jpg": images.jpeg(64, 48), "a.bmp": half, "b.bmp": half})
    assert len(archive) < MB // 10

    response = upload(api, ("bomb.zip", archive))

    assert response.status_code == 400
    assert refusals(response.json()) == [("bomb.zip", "zip_too_large")]
    assert_nothing_stored(media_root)


def test_zip_file_itself_over_the_limit_is_refused(api, media_root, settings):
    settings.EDUAI_MAX_ZIP_BYTES = 1 * MB
    archive = make_zip({"ok.jpg": images.jpeg(64, 48), "noise.bin": os.urandom(MB + 1)},
                       compression=zipfile.ZIP_STORED)

    response = upload(api, ("big.zip", archive))

    assert response.status_code == 400
    assert refusals(response.json()) == [("big.zip", "file_too_large")]
    assert_nothing_stored(media_root)


def test_zip_member_over_the_upload_limit_is_skipped_and_the_rest_are_kept(api, media_root, settings):
    settings.EDUAI_MAX_UPLOAD_BYTES = 1 * MB
    huge = b"\xff\xd8\xff\xe0" + b"\0" * (MB + MB // 2)  # a JPEG start, then zeros: tiny once deflated
    archive = make_zip({"ok.jpg": images.jpeg(64, 48), "sub/huge.jpg": huge})

    response = upload(api, ("archive.zip", archive))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["archive.zip/ok.jpg"]
    assert refusals(body) == [("archive.zip/sub/huge.jpg", "file_too_large")]
    assert StoredImage.objects.count() == 1 and len(files_on_disk(media_root)) == 1


def test_zip_whose_only_member_is_over_the_upload_limit_stores_nothing(api, media_root, settings):
    settings.EDUAI_MAX_UPLOAD_BYTES = 1 * MB
    archive = make_zip({"huge.jpg": b"\xff\xd8\xff\xe0" + b"\0" * (2 * MB)})

    response = upload(api, ("archive.zip", archive))

    assert response.status_code == 400
    assert refusals(response.json()) == [("archive.zip/huge.jpg", "file_too_large")]
    assert_nothing_stored(media_root)


# ------------------------------------------------------------------------------- nothing usable at all

@pytest.mark.parametrize("headers, language", [
    ({}, "es"), ({"HTTP_ACCEPT_LANGUAGE": "es"}, "es"), ({"HTTP_ACCEPT_LANGUAGE": "en"}, "en"),
], ids=["default", "es", "en"])
def test_when_every_file_is_bad_the_answer_is_400_in_the_users_language_and_nothing_is_stored(
    api, media_root, headers, language
):
    response = upload(api, ("notas.txt", images.TEXT), ("vacia.jpg", b""), ("página.jpg", images.HTML),
                      **headers)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "detail", "rejected"}
    assert body["code"] == "no_images_accepted"
    assert refusals(body) == [
        ("notas.txt", "unsupported_type"), ("vacia.jpg", "empty_file"), ("página.jpg", "unsupported_type")]
    assert body["detail"].startswith(NONE_USED[language])
    assert "notas.txt" in body["detail"] and NOT_AN_IMAGE[language] in body["detail"]
    assert NOT_AN_IMAGE[language] in body["rejected"][0]["detail"]
    assert body["rejected"][1]["detail"] == EMPTY[language]
    assert_nothing_stored(media_root)


@pytest.mark.parametrize("language, text", [("es", "vacía"), ("en", "empty")])
def test_request_without_files_is_a_400(api, media_root, language, text):
    response = api.post(reverse("api:images"), {}, format="multipart", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "files" and text in body["detail"]
    assert_nothing_stored(media_root)


def test_files_sent_under_another_field_name_are_not_taken(api, media_root):
    response = api.post(reverse("api:images"), {"file": SimpleUploadedFile("a.jpg", images.jpeg())},
                        format="multipart")

    assert response.status_code == 400
    assert response.json()["field"] == "files"
    assert_nothing_stored(media_root)


# ------------------------------------------------------------------------------------------- scoring

def test_uploaded_pictures_are_scored_by_the_active_model(api, media_root, active_model):
    archive = make_zip({"sub/b.png": images.rgba_png()})

    response = upload(api, ("a.jpg", images.jpeg(64, 48)), ("pics.zip", archive))

    assert response.status_code == 201, response.content
    new_ids = {entry["image_id"] for entry in response.json()["added"]}
    assert len(new_ids) == 2
    scores = ImageScore.objects.filter(model_version=active_model)
    assert {score.image_id for score in scores} == new_ids
    for score in scores:
        assert set(score.probabilities) == {"cat", "dog", "neither"}
        assert sum(score.probabilities.values()) == pytest.approx(1, abs=1e-4)
        assert len(score.embedding) > 0


def test_without_an_active_model_pictures_are_stored_unscored(api, media_root):
    response = upload(api, ("a.jpg", images.jpeg(64, 48)))

    assert response.status_code == 201, response.content
    assert StoredImage.objects.count() == 1
    assert not ImageScore.objects.exists()
