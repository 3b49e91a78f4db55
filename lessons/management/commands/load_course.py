from django.core.management.base import BaseCommand, CommandError

from lessons.course import CourseError, load_course


class Command(BaseCommand):
    help = "Create or update the built-in lessons from lessons/course/ (idempotent)."

    def handle(self, *args, **options):
        try:
            counts = load_course()
        except CourseError as error:
            raise CommandError(str(error)) from error
        self.stdout.write("course: {created} created, {updated} updated, {unchanged} unchanged".format(**counts))
