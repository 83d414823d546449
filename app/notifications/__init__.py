"""Notifications: e-mail now; in-app notices and digests come with deliberation."""
