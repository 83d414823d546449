"""Deliberation: proposals, revisions, comments, amendments, sense checks, escalation, register."""
