"""The WSGI entry point: ``flask --app wsgi …`` and ``gunicorn wsgi:app``.

The app, and the workers' command on it: the only place both packages meet."""

from portal import create_app
from workers import runner

app = create_app()
runner.register(app)
