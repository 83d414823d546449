"""Members: statuses, roles, sign-in, invitations, profiles."""
