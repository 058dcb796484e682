"""Learners (受講者): login, the catalog of their library, the reader and bookmarks."""
