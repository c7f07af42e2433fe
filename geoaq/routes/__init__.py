"""Inspection routes: targets, travel models (incl. road graphs), the solver, exports."""
