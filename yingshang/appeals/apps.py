from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "yingshang.appeals"
    verbose_name = "接诉即办"
