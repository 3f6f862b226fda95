"""The staff admin at /admin: sign-in, guides, history, audit log and usage records."""
