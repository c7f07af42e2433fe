"""Layers drawn on the map whose data travel as files of their own."""
