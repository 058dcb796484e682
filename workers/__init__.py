"""Background jobs: plain functions that take ids, reload their rows and are safe to rerun."""
