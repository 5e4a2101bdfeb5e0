"""The portal as bench/http.py serves it: its settings and URLs."""
