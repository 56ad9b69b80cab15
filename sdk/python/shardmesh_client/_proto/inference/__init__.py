"""Generated; see sdk/python/generate.py."""
