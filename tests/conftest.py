"""Shared by every test directory: keep it small; each area has its own conftest."""
