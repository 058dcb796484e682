"""gunicorn reads this file from the working directory: access logs without secrets."""

logger_class = "portal.gunicorn_logging.RedactingLogger"
