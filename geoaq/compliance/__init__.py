"""Zone and district compliance: plan targets and the summary leadership reads."""
