from django.apps import AppConfig


class EduaiConfig(AppConfig):
    name = "eduai"
    verbose_name = "EduAI"
