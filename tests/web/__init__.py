"""Tests of the web app (hashwinter.web)."""
