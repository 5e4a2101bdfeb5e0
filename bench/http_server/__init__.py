"""The portal as bench/http_load.py serves it: its settings and URLs."""
