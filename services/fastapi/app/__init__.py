"""The fastapi service: service info, health, and a small stateless JSON API used by the mcp service."""
