"""Write every label as CSV or JSON (see labeling/transfer.py for the columns), to a file or stdout."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from eduai import classes
from labeling import transfer


class Command(BaseCommand):
    help = "Export the labels (and adjudications; gold answers with --include-gold) as CSV or JSON."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("csv", "json"), default="csv")
        parser.add_argument("--output", type=Path, help="File to write (default: standard output).")
        parser.add_argument("--include-gold", action="store_true", help="Also the gold images' known answers.")
        parser.add_argument("--class", dest="classroom", help="The class (id or name); needed when there are several.")

    def handle(self, *args, format: str, output: Path | None, include_gold: bool, classroom: str | None, **options):
        try:
            target = classes.for_command(classroom)
        except ValueError as error:
            raise CommandError(str(error)) from error
        rows = transfer.export_rows(classroom=target, include_gold=include_gold)
        text = transfer.to_csv(rows) if format == "csv" else transfer.to_json(rows) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8", newline="")
        self.stderr.write(f"{len(rows)} rows written to {output}")
