"""Seed import, pure half: manifest, actor registry and recommendation parser (no database)."""
