"""Every bad upload gets a 4xx {code, detail} in the request's language and leaves nothing behind."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from classifier.models import Analysis, StoredImage
from tests import images

URL = "/api/v1/analyses/"
OVER_10_MB = b"\xff\xd8\xff\xe0" + b"\0" * (10 * 1024 * 1024)

BAD_UPLOADS = {
    "empty file": (b"", 400, "empty_file", "vacío", "empty"),
    "text renamed .jpg": (images.TEXT, 415, "unsupported_type", "no es una imagen", "not an image"),
    "html renamed .jpg": (images.HTML, 415, "unsupported_type", "no es una imagen", "not an image"),
    "pdf renamed .jpg": (images.PDF, 415, "unsupported_type", "no es una imagen", "not an image"),
    "truncated jpeg": (images.truncated_jpeg(), 400, "corrupt_image", "dañada", "damaged"),
    "over 10 MB": (OVER_10_MB, 413, "file_too_large", "demasiado grande", "too large"),
    "decompression bomb": (images.decompression_bomb_png(), 413, "too_many_pixels", "demasiados píxeles", "too many pixels"),
}


def assert_nothing_left(media_root):
    assert not StoredImage.objects.exists()
    assert not Analysis.objects.exists()
    assert [path for path in media_root.rglob("*") if path.is_file()] == []


@pytest.mark.parametrize("case", BAD_UPLOADS, ids=list(BAD_UPLOADS))
@pytest.mark.parametrize("language", ["es", "en"])
def test_bad_upload_is_refused_and_leaves_nothing(api, active_model, media_root, case, language):
    content, status, code, spanish, english = BAD_UPLOADS[case]
    response = api.post(
        URL, {"image": SimpleUploadedFile("photo.jpg", content)}, format="multipart", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert (spanish if language == "es" else english) in body["detail"]
    assert_nothing_left(media_root)


@pytest.mark.parametrize("language, words", [("es", "archivo"), ("en", "file")])
def test_missing_field_is_a_400_in_the_request_language(api, active_model, media_root, language, words):
    response = api.post(URL, {"picture": "nope"}, format="multipart", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "required" and body["field"] == "image" and words in body["detail"].lower()
    assert_nothing_left(media_root)


def test_failure_after_validation_removes_the_files_it_wrote(api, active_model, media_root, monkeypatch):
    from classifier import services

    def broken_create(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.Analysis.objects, "create", broken_create)
    with pytest.raises(RuntimeError):
        api.post(URL, {"image": SimpleUploadedFile("ok.jpg", images.jpeg())}, format="multipart")
    assert_nothing_left(media_root)


GOOD_UPLOADS = {
    "exif rotated jpeg": (images.exif_rotated_jpeg(), (48, 64)),
    "greyscale jpeg": (images.greyscale_jpeg(), (64, 48)),
    "cmyk jpeg": (images.cmyk_jpeg(), (64, 48)),
    "rgba png": (images.rgba_png(), (64, 48)),
    "palette png": (images.palette_png(), (64, 48)),
    "16-bit png": (images.png16(), (64, 48)),
    "animated gif": (images.animated_gif(), (40, 30)),
    "animated webp": (images.animated_webp(), (40, 30)),
}


@pytest.mark.parametrize("case", GOOD_UPLOADS, ids=list(GOOD_UPLOADS))
def test_unusual_but_valid_images_are_accepted_and_normalised(api, active_model, case):
    content, (width, height) = GOOD_UPLOADS[case]
    response = api.post(URL, {"image": SimpleUploadedFile("photo.jpg", content)}, format="multipart")
    assert response.status_code == 201, response.content
    stored = StoredImage.objects.get(sha256=response.json()["image_sha256"])
    assert (stored.width, stored.height) == (width, height)
