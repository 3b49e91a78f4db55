"""Import an ImageFolder tree (DIR/cat/*.jpg, DIR/dog/*.jpg, ...) through the upload checks."""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from classifier.images import ImageRejected
from eduai import classes
from labeling import scoring
from labeling.models import Value
from labeling.services import import_image

FOLDER_LABELS = {
    "cat": Value.CAT, "cats": Value.CAT, "gato": Value.CAT, "gatos": Value.CAT,
    "dog": Value.DOG, "dogs": Value.DOG, "perro": Value.DOG, "perros": Value.DOG,
    "neither": Value.NEITHER, "other": Value.NEITHER, "not-catdog": Value.NEITHER,
    "ninguno": Value.NEITHER, "otro": Value.NEITHER,
}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"}


class Command(BaseCommand):
    help = "Import images from a folder; with --label-from-folders, each subfolder name is the label."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--label-from-folders", action="store_true")
        parser.add_argument("--as", dest="username", help="Record the images and labels as this user.")
        parser.add_argument("--class", dest="classroom", help="The class (id or name) whose dataset gets them; "
                                                              "needed when there is more than one class.")

    def handle(self, *args, folder: Path, label_from_folders: bool, username: str | None, classroom: str | None,
               **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        try:
            target = classes.for_command(classroom)
        except ValueError as error:
            raise CommandError(str(error)) from error
        user = self._user(username)
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        labels = {path: self._label_of(path, folder) for path in files} if label_from_folders else {}
        new = duplicates = labeled = 0
        image_ids = []
        rejected = []
        for path in tqdm(files, desc="import", unit="img", disable=options["verbosity"] == 0):
            try:
                result = import_image(classroom=target, content=path.read_bytes(), name=path.name,
                                      value=labels.get(path), user=user)
            except ImageRejected as error:
                rejected.append(f"{path.relative_to(folder)}: {error.detail}")
                continue
            image_ids.append(result.image.pk)
            new += result.new_image
            duplicates += not result.new_image
            labeled += result.label is not None
        # scored here, not in the worker: a command may run before any worker starts, and the queue can
        # then rank the pictures at once
        scoring.score_class(classroom=target, ids=image_ids)
        for line in rejected:
            self.stderr.write(f"skipped {line}")
        self.stdout.write(self.style.SUCCESS(
            f"{new} new images, {duplicates} already stored, {len(rejected)} skipped, {labeled} labels recorded"
        ))

    def _user(self, username):
        if username is None:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"no user called {username!r}") from error

    def _label_of(self, path: Path, root: Path) -> str:
        folder_name = path.relative_to(root).parts[0].lower() if len(path.relative_to(root).parts) > 1 else ""
        if folder_name not in FOLDER_LABELS:
            known = ", ".join(sorted(FOLDER_LABELS))
            raise CommandError(f"{path.relative_to(root)}: folder {folder_name!r} is not a label ({known})")
        return FOLDER_LABELS[folder_name]
