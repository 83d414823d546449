"""Thematic workgroups (groupes de travail thématiques): they prepare decisions for a level."""
