"""recotrack: track policy recommendations and their implementation."""
