from django.core.management.base import BaseCommand, CommandError

from lessons.course import check_course, read_course


class Command(BaseCommand):
    help = "Check the built-in course files (lessons/course/): syntax, widgets, exercises, quizzes, es/en parity."

    def handle(self, *args, **options):
        problems = check_course()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problems in the course files")
        self.stdout.write(self.style.SUCCESS(f"{len(read_course())} lessons, no problems"))
