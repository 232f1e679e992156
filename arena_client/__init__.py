"""The Arena's command-line client and a small Python client for its API (/api/v1/).

Standard library only, so a bot can copy this folder anywhere. Configured by ARENA_URL
(default http://127.0.0.1:8000) and ARENA_TOKEN.
"""

from arena_client.client import ApiError, ArenaClient

__all__ = ["ApiError", "ArenaClient"]
