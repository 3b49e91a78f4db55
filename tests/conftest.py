import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Every test writes uploads into its own empty folder, so 'nothing left behind' can be checked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Tests create many users; the real hasher's million rounds cost 0.4 s per password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def model_folder() -> Path:
    """The pretrained artifacts (`make test` prepares them first; built here if they are missing)."""
    from ml_models.core.artifacts import ArtifactError, Manifest
    from ml_models.core.contract import SignatureError, validate
    from ml_models.networks import pretrained

    folder = pretrained.artifact_dir(django_settings.MODELS_DIR)
    try:
        Manifest.read(folder).verify(folder)
        validate(Manifest.read(folder).signature)
    except (ArtifactError, SignatureError):
        pretrained.prepare(django_settings.MODELS_DIR)
    return folder


@pytest.fixture
def active_model(db, model_folder):
    """The pretrained version, registered: every class's (and the class-less) default."""
    from ml_models import runtime
    from ml_models.services import register_version

    runtime.clear()
    version = register_version(folder=model_folder)
    yield version
    runtime.clear()


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    folder = Path(django_settings.SHARED_DATASETS_DIR)
    if not (folder / "catsdogs" / "cat").is_dir():
        pytest.skip(f"shared datasets not found at {folder} (set EDUAI_SHARED_DATASETS)")
    return folder


def _photos(folder: Path, pattern: str, count: int) -> list[Path]:
    return sorted(folder.glob(pattern))[:count]


@pytest.fixture(scope="session")
def cat_photos(datasets_dir) -> list[Path]:
    return _photos(datasets_dir / "catsdogs" / "cat", "*.jpg", 10)


@pytest.fixture(scope="session")
def dog_photos(datasets_dir) -> list[Path]:
    return _photos(datasets_dir / "catsdogs" / "dog", "*.jpg", 10)


@pytest.fixture(scope="session")
def other_photos(datasets_dir) -> list[Path]:
    return _photos(datasets_dir / "not-catdog", "*.JPEG", 300)


@pytest.fixture
def make_user(db):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    def make(username: str = "ana", role: str = "student"):
        user = get_user_model().objects.create_user(username=username, password="s3cret-pass!")
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def student(make_user):
    return make_user("ana")


@pytest.fixture
def join(db):
    """join(user, classroom, role="student"): put someone in a class (and make it their current one)."""
    from eduai import classes
    from eduai.models import Membership

    def join(user, classroom, role: str = "student"):
        Membership.objects.update_or_create(classroom=classroom, user=user, defaults={"role": role})
        user.__dict__.pop("_eduai_roles", None)
        classes.set_current_class(user=user, classroom=classroom)
        return classroom

    return join


@pytest.fixture
def teacher(make_user):
    return make_user("tere", "teacher")


@pytest.fixture
def classroom(db, teacher, student, join):
    """A class taught by "tere" with the student "ana" in it (her current class)."""
    from eduai import classes

    classroom = classes.create_class(name="1º Bach A", teacher=teacher)
    join(student, classroom)
    return classroom


@pytest.fixture
def api(student):
    """DRF client authenticated with the student's token, as an API user would be."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=student).key}")
    return client


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests leave files for people to look at (screenshots)."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR



CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture
def browser_page(live_server):
    """A page in Debian's Chromium driven by Playwright (skips when chromium is not installed)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1400}, locale="en-US")
        yield page
        browser.close()
        # Queries made while Playwright runs use their own connection (another context): close it,
        # or PostgreSQL refuses to drop the test database at the end.
        connections.close_all()


def session_for(user) -> str:
    """A session cookie value logging `user` in, for a browser page."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
def course(db):
    """The built-in course, loaded as `make run` loads it (lessons/course/)."""
    from lessons.course import load_course

    load_course()
