"""WSGI entry point for granian or gunicorn: `granian --interface wsgi yingshang.wsgi:application`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
application = get_wsgi_application()
