"""Tests of the learner area and the catalog."""
