"""Read labels exported by export_labels (CSV or JSON) into this installation, all or nothing."""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from eduai import classes, policies
from eduai.errors import AppError
from labeling import transfer


class Command(BaseCommand):
    help = ("Import labels from a CSV or JSON file; images must already be here (manage.py import_images). "
            "Existing labels are never changed.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True,
                            help="The teacher who takes responsibility for the imported adjudications and gold answers.")
        parser.add_argument("--class", dest="classroom", help="The class (id or name); needed when there are several.")

    def handle(self, *args, file: Path, username: str, classroom: str | None, **options):
        teacher = get_user_model().objects.filter(username=username).first()
        if teacher is None:
            raise CommandError(f"no user called {username!r}")
        try:
            target = classes.for_command(classroom)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not policies.can_teach(teacher, target):
            raise CommandError(f"{username} does not teach {target}: only its teachers decide labels for the class")
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        try:
            rows = transfer.parse(file.read_bytes(), file_name=file.name)
        except AppError as error:
            raise CommandError(f"{error.detail} ({error.code})") from error
        report = transfer.import_rows(rows, classroom=target, teacher=teacher)
        self.stdout.write(self.style.SUCCESS(
            f"{report.created} labels created, {report.duplicates} already here, "
            f"{report.unknown_images} images not in the class, {report.adjudications} adjudications, "
            f"{report.gold} gold answers, {report.consensus_differs} images settled differently here"
        ))
