"""Satellite fire points: events, attribution and categories, penalties, verification, notices."""
