"""The core's commands: backup and restore, demo data, trends, the change log's flush."""
