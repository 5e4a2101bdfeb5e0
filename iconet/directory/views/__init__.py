"""Pages of the directory: sign-in, account security, administration, access changes."""
